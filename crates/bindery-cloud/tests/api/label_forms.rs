//! A product prints its labels in the form its maker's line already uses: Bindery v2, Quectel
//! v1 (sn_only products), or a URL a phone's camera opens. Each form's labels bind.

use std::io::Read;

use serde_json::json;

use crate::both_backends;
use crate::common::{next_mac, sn_list, Auth, TestServer};

both_backends!(
    a_quectel_v1_batch_prints_v1_labels_that_bind,
    a_url_batch_prints_links_to_the_cloud_that_bind,
    forms_a_product_cannot_print_are_refused,
    a_products_form_and_name_change_for_new_labels,
);

/// The text of a label image in a zip.
fn decoded(archive: &[u8], path: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive)).unwrap();
    let mut png = Vec::new();
    zip.by_name(path).unwrap().read_to_end(&mut png).unwrap();
    let mut prepared =
        rqrr::PreparedImage::prepare(image::load_from_memory(&png).unwrap().to_luma8());
    prepared.detect_grids()[0].decode().unwrap().1
}

/// Imports a DeviceKey for every SN, so the devices are activated.
async fn activate(s: &TestServer, key: &str, pk: &str, sns: &[String]) {
    let mut csv = String::from("*DeviceKey,*ProductKey,Device SN\n");
    for sn in sns {
        csv.push_str(&format!("{},{pk},{sn}\n", next_mac()));
    }
    let report = s.import(key, pk, "atomic", &csv).await;
    assert_eq!(report.assert_status(200)["imported"], sns.len());
}

async fn bind(s: &TestServer, token: &str, qr: &str) -> serde_json::Value {
    s.post(
        "/v1/bindings",
        Auth::Bearer(token),
        json!({"qr_content": qr, "name": "Sensor"}),
    )
    .await
    .assert_status(201)
    .clone()
}

async fn a_quectel_v1_batch_prints_v1_labels_that_bind(s: TestServer) {
    let key = s.key("line", false).await;
    let made = s
        .post(
            "/v1/products",
            Auth::Key(&key),
            json!({"name": "Meter", "product_key": "qv1001", "bind_policy": "sn_only", "label_form": "quectel_v1"}),
        )
        .await;
    assert_eq!(made.assert_status(201)["label_form"], "quectel_v1");
    let (_, archive) = s.batch(&key, "qv1001", 3).await;
    let labels = sn_list(&archive);
    for label in &labels {
        assert_eq!(
            label.qr_content,
            format!("pk=qv1001&sn={}&v=1", label.sn),
            "{label:?}"
        );
        // No bind code is made that the label could not show.
        assert_eq!(label.bind_code, "");
        assert_eq!(
            decoded(&archive, &format!("qr/{}.png", label.sn)),
            label.qr_content
        );
    }
    let sns: Vec<String> = labels.iter().map(|l| l.sn.clone()).collect();
    activate(&s, &key, "qv1001", &sns).await;
    let user = s.user("line@example.com").await;
    let bound = bind(&s, &user, &labels[0].qr_content).await;
    assert_eq!(bound["device"]["sn"], labels[0].sn.as_str());
}

async fn a_url_batch_prints_links_to_the_cloud_that_bind(s: TestServer) {
    let s = s.with_public_url("https://bind.example.com/").await;
    let key = s.key("line", false).await;
    for (pk, policy) in [("url001", "bind_code_required"), ("url002", "sn_only")] {
        s.post(
            "/v1/products",
            Auth::Key(&key),
            json!({"name": "Plug", "product_key": pk, "bind_policy": policy, "label_form": "url"}),
        )
        .await
        .assert_status(201);
        let (_, archive) = s.batch(&key, pk, 2).await;
        let labels = sn_list(&archive);
        let label = &labels[0];
        assert_eq!(
            label.qr_content,
            format!(
                "https://bind.example.com/b?pk={pk}&sn={}&bc={}",
                label.sn, label.bind_code
            )
        );
        assert_eq!(
            decoded(&archive, &format!("qr/{}.png", label.sn)),
            label.qr_content
        );
        let sns: Vec<String> = labels.iter().map(|l| l.sn.clone()).collect();
        activate(&s, &key, pk, &sns).await;
        let user = s.user(&format!("{pk}@example.com")).await;
        let bound = bind(&s, &user, &label.qr_content).await;
        assert_eq!(bound["device"]["sn"], label.sn.as_str());
        // Opened with a phone's camera, the printed link reaches this cloud's `/b`, which
        // (serving no web app here) names the device and keeps its bind code to itself.
        let link = label
            .qr_content
            .replace("https://bind.example.com", &s.base);
        let page = s.http.get(&link).send().await.unwrap();
        assert_eq!(page.status(), 200, "{link}");
        let page = page.text().await.unwrap();
        assert!(page.contains(&format!("SN <b>{}</b>", label.sn)), "{page}");
        assert!(!page.contains(&label.bind_code), "{page}");
    }
    // A Gizwits task of a URL product prints URLs too.
    s.post(
        "/qrcode/v1/url002/tasks",
        Auth::Key(&key),
        json!({"macs": ["a0b1c2003001"]}),
    )
    .await
    .assert_status(201);
    let list = s.get("/qrcode/v1/url002/tasks", Auth::Key(&key)).await;
    let file = list.assert_status(200)["objects"][0]["file"]
        .as_str()
        .unwrap()
        .to_owned();
    let zip = s.get(&file, Auth::Key(&key)).await;
    assert_eq!(
        decoded(&zip.bytes, "url002/a0b1c2003001.png"),
        "https://bind.example.com/b?pk=url002&sn=a0b1c2003001"
    );
}

async fn forms_a_product_cannot_print_are_refused(s: TestServer) {
    let key = s.key("line", false).await;
    let refusals = [
        (
            json!({"name": "A", "product_key": "bad001", "label_form": "quectel_v1"}),
            "only sn_only products",
        ),
        (
            json!({"name": "B", "product_key": "bad002", "label_form": "url"}),
            "--public-url",
        ),
        (
            json!({"name": "C", "product_key": "bad003", "label_form": "v3"}),
            "\"v2\", \"quectel_v1\" or \"url\"",
        ),
    ];
    for (request, says) in refusals {
        let answer = s
            .post("/v1/products", Auth::Key(&key), request.clone())
            .await;
        answer.assert_error(400, "invalid_request");
        let message = answer.json["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{request}: {message}");
    }
    let list = s.get("/v1/products", Auth::Key(&key)).await;
    assert_eq!(list.assert_status(200)["products"], json!([]));
}

async fn a_products_form_and_name_change_for_new_labels(s: TestServer) {
    let key = s.key("line", false).await;
    s.product(&key, "chg001", "sn_only").await;
    let (_, before) = s.batch(&key, "chg001", 1).await;
    let old = sn_list(&before).remove(0);
    assert!(old.qr_content.contains("&v=2&bc="), "{old:?}");

    let path = "/v1/products/chg001";
    let changed = s
        .patch(
            path,
            Auth::Key(&key),
            json!({"label_form": "quectel_v1", "name": " Meter 2 "}),
        )
        .await;
    let changed = changed.assert_status(200);
    assert_eq!(changed["label_form"], "quectel_v1");
    assert_eq!(changed["name"], "Meter 2");
    let list = s.get("/v1/products", Auth::Key(&key)).await;
    assert_eq!(
        list.assert_status(200)["products"][0]["label_form"],
        "quectel_v1"
    );
    let (_, after) = s.batch(&key, "chg001", 1).await;
    let new = sn_list(&after).remove(0);
    assert_eq!(new.qr_content, format!("pk=chg001&sn={}&v=1", new.sn));

    // Labels printed before keep binding.
    activate(&s, &key, "chg001", &[old.sn.clone(), new.sn.clone()]).await;
    let user = s.user("chg@example.com").await;
    bind(&s, &user, &old.qr_content).await;
    bind(&s, &user, &new.qr_content).await;

    // Refusals change nothing; another key's product is not this key's to change.
    s.patch(path, Auth::Key(&key), json!({"label_form": "url"}))
        .await
        .assert_error(400, "invalid_request");
    s.patch(path, Auth::Key(&key), json!({"name": ""}))
        .await
        .assert_error(400, "invalid_request");
    let other = s.key("other", false).await;
    s.patch(path, Auth::Key(&other), json!({"name": "Mine"}))
        .await
        .assert_error(403, "forbidden");
    s.patch(
        "/v1/products/nosuch1",
        Auth::Key(&key),
        json!({"name": "X"}),
    )
    .await
    .assert_error(404, "not_found");
    let list = s.get("/v1/products", Auth::Key(&key)).await;
    let product = &list.assert_status(200)["products"][0];
    assert_eq!(product["name"], "Meter 2");
    assert_eq!(product["label_form"], "quectel_v1");

    s.product(&key, "chg002", "bind_code_required").await;
    let refused = s
        .patch(
            "/v1/products/chg002",
            Auth::Key(&key),
            json!({"label_form": "quectel_v1"}),
        )
        .await;
    refused.assert_error(400, "invalid_request");
}
