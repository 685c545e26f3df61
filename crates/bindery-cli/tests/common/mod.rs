//! The harness of the CLI's tests: a real `bindery-cloud` on 127.0.0.1 over a fresh SQLite
//! file, set up the way a device maker would (developer key, product, batch, import), and
//! the real `bindery-cli` binary run against it with its session in a private file.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bindery_client::{Client, ImportFormat};
use bindery_cloud::{AppState, Limits, LoopbackCloud, StateConfig};
use bindery_core::api::{CreateProduct, IMPORT_TEMPLATE_HEADER};
use bindery_core::BindPolicy;

/// A running cloud.
pub struct Cloud {
    pub base: String,
    pub state: AppState,
    pub runtime: tokio::runtime::Runtime,
    dir: tempfile::TempDir,
    server: LoopbackCloud,
}

/// One label of a batch: its SN, its QR content and its PNG on disk.
#[derive(Debug, Clone)]
pub struct Label {
    pub sn: String,
    pub qr_content: String,
    pub png: PathBuf,
}

impl Cloud {
    pub fn start() -> Cloud {
        Self::start_with(Limits::default())
    }

    pub fn start_with(limits: Limits) -> Cloud {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let url = bindery_cloud::db::sqlite_url(&dir.path().join("cloud.sqlite3"));
        let mut config = StateConfig::new(url);
        config.limits = limits;
        let state = runtime
            .block_on(AppState::open(config))
            .expect("open the cloud");
        let server = runtime
            .block_on(LoopbackCloud::start(state.clone()))
            .expect("serve on loopback");
        Cloud {
            base: server.url.clone(),
            state,
            runtime,
            dir,
            server,
        }
    }

    /// Stops serving; the port is closed when this returns.
    pub fn stop(&mut self) {
        self.runtime.block_on(self.server.stop());
    }

    /// A folder that lives as long as the cloud.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A Developer Center key (or a support key).
    pub fn key(&self, name: &str, support: bool) -> String {
        self.runtime
            .block_on(bindery_cloud::developer::create_api_key(
                &self.state,
                name,
                support,
            ))
            .expect("create a key")
            .key
    }

    fn developer(&self, key: &str) -> Client {
        Client::new(&self.base)
            .unwrap()
            .with_api_key(Some(key.to_owned()))
    }

    pub fn product(&self, key: &str, product_key: &str, policy: BindPolicy) {
        self.runtime
            .block_on(self.developer(key).create_product(&CreateProduct {
                name: format!("Lamp {product_key}"),
                product_key: Some(product_key.to_owned()),
                bind_policy: Some(policy),
                label_form: None,
            }))
            .expect("create a product");
    }

    /// Makes `product_key` print its new labels in `form`.
    pub fn label_form(&self, key: &str, product_key: &str, form: bindery_core::LabelForm) {
        let update = bindery_core::api::UpdateProduct {
            name: None,
            label_form: Some(form),
        };
        let product = self
            .runtime
            .block_on(self.developer(key).update_product(product_key, &update))
            .expect("change the label form");
        assert_eq!(product.label_form, form);
    }

    /// A batch of `count` labels, unpacked under the cloud's folder; imported (activated)
    /// when `activate`.
    pub fn batch(&self, key: &str, product_key: &str, count: u32, activate: bool) -> Vec<Label> {
        let client = self.developer(key);
        let batch = self
            .runtime
            .block_on(client.create_batch(product_key, count))
            .expect("create a batch");
        let archive = self
            .runtime
            .block_on(client.batch_archive(&batch.batch_id))
            .expect("download the archive");
        let out = self.dir().join(&batch.batch_id);
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive)).unwrap();
        let mut csv = String::new();
        zip.by_name("sn_list.csv")
            .unwrap()
            .read_to_string(&mut csv)
            .unwrap();
        let mut labels = Vec::new();
        for line in csv.lines().skip(1) {
            let fields: Vec<&str> = line.splitn(3, ',').collect();
            let (sn, qr_content) = (fields[0].to_owned(), fields[2].trim_matches('"').to_owned());
            let png = out.join("qr").join(format!("{sn}.png"));
            std::fs::create_dir_all(png.parent().unwrap()).unwrap();
            let mut bytes = Vec::new();
            zip.by_name(&format!("qr/{sn}.png"))
                .unwrap()
                .read_to_end(&mut bytes)
                .unwrap();
            std::fs::write(&png, bytes).unwrap();
            labels.push(Label {
                sn,
                qr_content,
                png,
            });
        }
        if activate {
            let rows: Vec<(String, String)> = labels
                .iter()
                .enumerate()
                .map(|(i, l)| (l.sn.clone(), mac(i)))
                .collect();
            self.import(key, product_key, &rows);
        }
        labels
    }

    /// Imports SN ↔ DeviceKey rows (atomic).
    pub fn import(&self, key: &str, product_key: &str, rows: &[(String, String)]) {
        let mut csv = format!("{}\n", IMPORT_TEMPLATE_HEADER.join(","));
        for (sn, device_key) in rows {
            csv.push_str(&format!("{device_key},{product_key},{sn},,\n"));
        }
        self.import_csv(key, product_key, &csv, rows.len());
    }

    /// Imports a whole CSV file (atomic) and checks that it imported `rows` rows.
    pub fn import_csv(&self, key: &str, product_key: &str, csv: &str, rows: usize) {
        let report = self
            .runtime
            .block_on(self.developer(key).import_devices(
                product_key,
                csv.as_bytes().to_vec(),
                ImportFormat::Csv,
                false,
            ))
            .expect("import");
        assert_eq!(report.imported as usize, rows, "{report:?}");
    }
}

/// A distinct MAC address for row `i`.
pub fn mac(i: usize) -> String {
    format!("a4cf12{:06x}", i + 1)
}

/// What one run of the CLI did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// stdout as one JSON value (the last line, for commands that print several).
    pub fn json(&self) -> serde_json::Value {
        let line = self.stdout.lines().last().unwrap_or_default();
        serde_json::from_str(line).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\n{}",
                self.stdout, self.stderr
            )
        })
    }

    #[track_caller]
    pub fn ok(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn exit(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// A user of the CLI on one cloud: their own session file.
pub struct User {
    pub server: String,
    pub session_file: PathBuf,
    pub email: String,
    pub password: String,
    _home: tempfile::TempDir,
}

impl User {
    pub fn new(server: &str, email: &str) -> User {
        let home = tempfile::tempdir().unwrap();
        User {
            server: server.to_owned(),
            session_file: home.path().join("session.json"),
            email: email.to_owned(),
            password: "correct horse battery".to_owned(),
            _home: home,
        }
    }

    /// Runs `bindery-cli ARGS` as this user, with `stdin` on its standard input.
    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        let started = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_bindery-cli"))
            .args(args)
            .env("BINDERY_SERVER", &self.server)
            .env("BINDERY_SESSION_FILE", &self.session_file)
            .env_remove("BINDERY_PASSWORD")
            .env_remove("BINDERY_API_KEY")
            .env_remove("BINDERY_EMAIL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("bindery-cli runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().expect("exited normally"),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
            elapsed: started.elapsed(),
        }
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, "")
    }

    pub fn signup(&self) -> Run {
        self.run_with_stdin(
            &["signup", "--email", &self.email, "--password-stdin"],
            &format!("{}\n", self.password),
        )
    }

    pub fn login(&self) -> Run {
        self.run_with_stdin(
            &["login", "--email", &self.email, "--password-stdin"],
            &format!("{}\n", self.password),
        )
    }

    /// Signed up and signed in.
    pub fn signed_in(server: &str, email: &str) -> User {
        let user = User::new(server, email);
        user.signup().ok();
        user.login().ok();
        user
    }
}
