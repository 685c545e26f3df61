//! The pairing station end to end (issue 18): a simulated production line as a `.y4m` video,
//! `bindery-cli pair --video` against a real cloud on loopback, and the cloud's device list
//! checked afterwards — every good device paired with its own module, and nothing else
//! written. Then the same line without a cloud, into an offline import file. Also
//! `scan --formats` on a module label beside a device label.

mod common;
#[path = "common/line.rs"]
mod line;

use std::collections::HashMap;

use bindery_core::{BindPolicy, ProductKey};
use common::{Cloud, Label, User};
use line::{imei, Device, ModuleCode, Order};
use serde_json::Value;

/// What the line holds and what the station must make of it.
struct Plan {
    devices: Vec<Device>,
    /// SN → the DeviceKey the cloud must have after the run (canonical form).
    pairs: HashMap<String, String>,
    /// Per verdict, how many devices get it.
    counts: Vec<(&'static str, u64)>,
}

fn device(label: &Label, module: &str, code: ModuleCode, order: Order) -> Device {
    Device {
        label: label.qr_content.clone(),
        module: module.to_owned(),
        code,
        order,
    }
}

/// The line: 16 device passages of 12 plug01 labels (10 good ones, one repeated), one lamp
/// label, a smeared module label, a device whose SN the cloud already holds with another
/// module, and a plug01 label with an SN no batch made.
/// A plug01 label with an SN no batch made.
fn stranger() -> Label {
    Label {
        sn: "ZZZZZZZZZZZZZZZZ".into(),
        qr_content: "pk=plug01&sn=ZZZZZZZZZZZZZZZZ&v=2&bc=7Q4XK2M9PD".into(),
        png: std::path::PathBuf::new(),
    }
}

fn plan(plugs: &[Label], lamp: &Label, conflicting: &Label) -> Plan {
    use ModuleCode::{Code128, DataMatrix, Smeared};
    use Order::{LabelFirst, ModuleFirst, Together};
    let key = |i: usize| imei(35_693_803_564_000 + i as u64 * 7);
    let mut devices = Vec::new();
    let mut pairs = HashMap::new();
    // (label index, module text, how printed, order); `None` = not paired.
    let good: [(usize, String, ModuleCode, Order); 10] = [
        (0, key(0), DataMatrix, Together),
        (1, key(1), Code128, ModuleFirst),
        (2, key(2), Code128, Together),
        (3, format!("IMEI:{}", key(3)), DataMatrix, LabelFirst),
        (4, key(4), DataMatrix, ModuleFirst),
        (5, "A4:CF:12:00:00:05".into(), Code128, Together),
        (6, key(6), DataMatrix, Together),
        (7, key(7), Code128, LabelFirst),
        (8, key(8), DataMatrix, Together),
        (9, key(9), Code128, Together),
    ];
    for (i, module, code, order) in &good {
        devices.push(device(&plugs[*i], module, *code, *order));
        let canonical = bindery_core::DeviceKey::parse(
            module
                .trim_start_matches("IMEI:")
                .trim_start_matches("MAC: "),
        )
        .unwrap()
        .as_str()
        .to_owned();
        pairs.insert(plugs[*i].sn.clone(), canonical);
        if *i == 2 {
            // The wrong product between two good devices.
            devices.push(device(lamp, &key(50), DataMatrix, Together));
        }
        if *i == 5 {
            // A smeared module label: unreadable, and its label must not take the next
            // device's module.
            devices.push(device(&plugs[10], &key(51), Smeared, Together));
        }
        if *i == 7 {
            // Device 0 comes round again: already paired, not a second pair.
            devices.push(device(&plugs[0], &key(0), DataMatrix, Together));
            // A device the cloud has with another module.
            devices.push(device(conflicting, &key(52), Code128, Together));
            // A label that names this product but an SN the cloud never made (a counterfeit
            // or another system's label): the cloud answers sn_not_found, the wrong product.
            devices.push(device(&stranger(), &key(53), DataMatrix, Together));
        }
    }
    Plan {
        devices,
        pairs,
        counts: vec![
            ("paired", 10),
            ("already_paired", 1),
            ("wrong_product", 2),
            ("unreadable", 1),
            ("conflict", 1),
            ("failed", 0),
        ],
    }
}

/// The `(sn, device_key)` of every device of `pk`, from the cloud's export.
fn device_keys(cloud: &Cloud, pk: &str) -> HashMap<String, String> {
    let csv = cloud
        .runtime
        .block_on(bindery_cloud::developer::import::export_csv(
            &cloud.state,
            &ProductKey::parse(pk).unwrap(),
        ))
        .unwrap();
    csv.lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[0].to_owned(), cells[1].to_owned())
        })
        .collect()
}

fn events(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn a_simulated_line_is_paired_in_the_cloud() {
    let cloud = Cloud::start();
    let key = cloud.key("maker", false);
    cloud.product(&key, "plug01", BindPolicy::BindCodeRequired);
    cloud.product(&key, "lamp01", BindPolicy::BindCodeRequired);
    let plugs = cloud.batch(&key, "plug01", 12, false);
    let lamp = cloud.batch(&key, "lamp01", 1, false).remove(0);
    let conflicting = &plugs[11];
    let earlier = imei(86_000_000_000_011);
    let client = bindery_client::Client::new(&cloud.base)
        .unwrap()
        .with_api_key(Some(key.clone()));
    let pair = cloud
        .runtime
        .block_on(client.pair_device("plug01", &conflicting.sn, &earlier))
        .unwrap();
    assert_eq!(pair.status, bindery_core::api::PairStatus::Paired);
    let plan = plan(&plugs, &lamp, conflicting);
    let video = cloud.dir().join("line.y4m");
    line::write_video(&video, &plan.devices);

    let worker = User::new(&cloud.base, "station@example.com");
    let run = worker.run(&[
        "--json",
        "pair",
        "--product",
        "plug01",
        "--api-key",
        &key,
        "--video",
        video.to_str().unwrap(),
        "--sound",
        "off",
        "--screen",
        "never",
    ]);
    run.ok();
    let lines = events(&run.stdout);
    let summary = &lines.last().unwrap()["summary"];
    for (verdict, count) in &plan.counts {
        assert_eq!(
            summary["count"][verdict], *count,
            "{verdict}:\n{}",
            run.stdout
        );
    }
    assert_eq!(
        summary["devices"],
        plan.devices.len() as u64,
        "{}",
        run.stdout
    );
    // Each line names its device; the repeated one is already paired, the smeared one and
    // the lamp are not paired with anything.
    let verdict_of = |sn: &str| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l["sn"] == sn)
            .map(|l| l["event"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(verdict_of(&plugs[0].sn), ["paired", "already_paired"]);
    assert_eq!(verdict_of(&plugs[10].sn), ["unreadable"]);
    assert_eq!(verdict_of(&lamp.sn), ["wrong_product"]);
    assert_eq!(verdict_of(&conflicting.sn), ["conflict"]);
    assert_eq!(verdict_of(&stranger().sn), ["wrong_product"]);

    // The cloud: exactly the planned pairs, the conflicting device kept its first module, and
    // no key on the unreadable device or on the lamp.
    let mut want = plan.pairs.clone();
    want.insert(conflicting.sn.clone(), earlier.clone());
    let got: HashMap<String, String> = device_keys(&cloud, "plug01")
        .into_iter()
        .filter(|(_, k)| !k.is_empty())
        .collect();
    assert_eq!(got, want, "wrong or missing pairs");
    assert_eq!(device_keys(&cloud, "lamp01")[&lamp.sn], "");

    // The same line again: every device is already paired (or still in conflict); nothing
    // changes in the cloud.
    let again = worker.run(&[
        "--json",
        "pair",
        "--product",
        "plug01",
        "--api-key",
        &key,
        "--video",
        video.to_str().unwrap(),
        "--sound",
        "off",
        "--screen",
        "never",
    ]);
    again.ok();
    let summary = events(&again.stdout).last().unwrap()["summary"].clone();
    assert_eq!(summary["count"]["paired"], 0, "{}", again.stdout);
    assert_eq!(summary["count"]["already_paired"], 11, "{}", again.stdout);
    let after: HashMap<String, String> = device_keys(&cloud, "plug01")
        .into_iter()
        .filter(|(_, k)| !k.is_empty())
        .collect();
    assert_eq!(after, want);
}

#[test]
fn offline_the_pairs_go_to_an_import_file() {
    let cloud = Cloud::start();
    let key = cloud.key("maker", false);
    cloud.product(&key, "plug01", BindPolicy::BindCodeRequired);
    cloud.product(&key, "lamp01", BindPolicy::BindCodeRequired);
    let plugs = cloud.batch(&key, "plug01", 12, false);
    let lamp = cloud.batch(&key, "lamp01", 1, false).remove(0);
    let plan = plan(&plugs, &lamp, &plugs[11]);
    let video = cloud.dir().join("line.y4m");
    line::write_video(&video, &plan.devices);
    let file = cloud.dir().join("pairs.csv");
    let worker = User::new(&cloud.base, "station@example.com");
    let run = worker.run(&[
        "--json",
        "pair",
        "--product",
        "plug01",
        "--offline",
        file.to_str().unwrap(),
        "--video",
        video.to_str().unwrap(),
        "--sound",
        "off",
        "--screen",
        "never",
    ]);
    run.ok();
    let summary = events(&run.stdout).last().unwrap()["summary"].clone();
    // Offline nothing knows the conflicting device's earlier module, nor which SNs the cloud
    // made: both are paired here (and the import, as for any SN Bindery did not make,
    // creates the stranger's device).
    assert_eq!(summary["count"]["paired"], 12, "{}", run.stdout);
    assert_eq!(summary["count"]["already_paired"], 1, "{}", run.stdout);
    let text = std::fs::read_to_string(&file).unwrap();
    let mut want = plan.pairs.clone();
    want.insert(plugs[11].sn.clone(), imei(35_693_803_564_000 + 52 * 7));
    let stranger_key = imei(35_693_803_564_000 + 53 * 7);
    want.insert(stranger().sn, stranger_key.clone());
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        bindery_core::api::IMPORT_TEMPLATE_HEADER.join(",")
    );
    let got: HashMap<String, String> = lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            assert_eq!(cells[1], "plug01");
            (cells[2].to_owned(), cells[0].to_owned())
        })
        .collect();
    assert_eq!(got, want);
    // The file is an import: uploaded as it is, it pairs the devices in the cloud.
    cloud.import_csv(&key, "plug01", &text, want.len());
    let in_cloud: HashMap<String, String> = device_keys(&cloud, "plug01")
        .into_iter()
        .filter(|(_, k)| !k.is_empty())
        .collect();
    assert_eq!(in_cloud, want);
}

#[test]
fn scan_reads_the_formats_asked_for() {
    let module = imei(49_015_420_323_751);
    let label = "pk=plug01&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD";
    let devices = [Device {
        label: label.to_owned(),
        module: module.clone(),
        code: ModuleCode::DataMatrix,
        order: Order::Together,
    }];
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("one.y4m");
    let frames = line::frames(&devices);
    // One frame showing both labels.
    bindery_scan::source::write_y4m(
        std::fs::File::create(&video).unwrap(),
        &frames[2..3],
        line::FPS,
    )
    .unwrap();
    let user = User::new("http://127.0.0.1:9", "qa@example.com");
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("qr", &[("qr", label)]),
        ("data_matrix", &[("data_matrix", &module)]),
        ("qr,data_matrix", &[("qr", label), ("data_matrix", &module)]),
    ];
    for (formats, want) in cases {
        let run = user.run(&[
            "scan",
            "--all",
            "--formats",
            formats,
            "--video",
            video.to_str().unwrap(),
        ]);
        run.ok();
        let mut got: Vec<(String, String)> = events(&run.stdout)
            .iter()
            .flat_map(|l| l["codes"].as_array().unwrap().clone())
            .map(|c| {
                (
                    c["format"].as_str().unwrap().to_owned(),
                    c["text"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        got.sort();
        let mut want: Vec<(String, String)> = want
            .iter()
            .map(|(f, t)| (f.to_string(), t.to_string()))
            .collect();
        want.sort();
        assert_eq!(got, want, "--formats {formats}");
    }
    let bad = user.run(&[
        "scan",
        "--formats",
        "qr,aztec",
        "--video",
        video.to_str().unwrap(),
    ]);
    bad.exit(2);
    assert!(bad.stderr.contains("aztec"), "{}", bad.stderr);
}

/// `--images`: a folder of frames is a line too (here three devices, offline); and the
/// camera path fails cleanly on a machine without one.
#[test]
fn a_folder_of_frames_and_no_camera() {
    let dir = tempfile::tempdir().unwrap();
    let frames_dir = dir.path().join("frames");
    std::fs::create_dir(&frames_dir).unwrap();
    let labels = [
        "pk=plug01&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD",
        "pk=plug01&sn=CD7K2M9Q4X&v=2&bc=7Q4XK2M9PD",
        "pk=plug01&sn=DD7K2M9Q4X&v=2&bc=7Q4XK2M9PD",
    ];
    let devices: Vec<Device> = labels
        .iter()
        .enumerate()
        .map(|(i, label)| Device {
            label: label.to_string(),
            module: imei(86_000_000_000_100 + i as u64),
            code: [
                ModuleCode::DataMatrix,
                ModuleCode::Code128,
                ModuleCode::DataMatrix,
            ][i],
            order: [Order::Together, Order::LabelFirst, Order::ModuleFirst][i],
        })
        .collect();
    for (i, frame) in line::frames(&devices).iter().enumerate() {
        image::GrayImage::from_raw(
            frame.width() as u32,
            frame.height() as u32,
            frame.pixels().to_vec(),
        )
        .unwrap()
        .save(frames_dir.join(format!("{i:04}.png")))
        .unwrap();
    }
    let file = dir.path().join("pairs.csv");
    let user = User::new("http://127.0.0.1:9", "station@example.com");
    let run = user.run(&[
        "--json",
        "pair",
        "--product",
        "plug01",
        "--offline",
        file.to_str().unwrap(),
        "--images",
        frames_dir.to_str().unwrap(),
        "--fps",
        "10",
        "--sound",
        "off",
        "--screen",
        "never",
    ]);
    run.ok();
    let summary = events(&run.stdout).last().unwrap()["summary"].clone();
    assert_eq!(summary["count"]["paired"], 3, "{}", run.stdout);
    let text = std::fs::read_to_string(&file).unwrap();
    for (i, sn) in ["BD7K2M9Q4X", "CD7K2M9Q4X", "DD7K2M9Q4X"]
        .iter()
        .enumerate()
    {
        let row = format!("{},plug01,{sn},,,,", imei(86_000_000_000_100 + i as u64));
        assert!(text.lines().any(|l| l == row), "{row} in\n{text}");
    }

    // (case, arguments, exit code, what stderr says)
    let cases: &[(&str, &[&str], i32, &str)] = &[
        (
            "no camera here",
            &[
                "pair",
                "--product",
                "plug01",
                "--offline",
                file.to_str().unwrap(),
                "--camera",
                "0",
            ],
            2,
            "camera",
        ),
        (
            "no source",
            &[
                "pair",
                "--product",
                "plug01",
                "--offline",
                file.to_str().unwrap(),
            ],
            2,
            "exactly one of",
        ),
        (
            "no cloud key and no offline file",
            &["pair", "--product", "plug01", "--camera", "0"],
            2,
            "--offline",
        ),
        (
            "a bad product key",
            &[
                "pair",
                "--product",
                "p!",
                "--offline",
                file.to_str().unwrap(),
                "--camera",
                "0",
            ],
            2,
            "product key",
        ),
    ];
    for (case, args, code, says) in cases {
        let run = user.run(args);
        run.exit(*code);
        assert!(run.stderr.contains(says), "{case}: {}", run.stderr);
    }
}
