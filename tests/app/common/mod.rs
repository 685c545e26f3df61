//! A real bindery-cloud for the app's tests: a fresh SQLite file, a developer key, a product,
//! a batch of labels (read back from the batch's archive), some of them activated by a
//! DeviceKey import, all served on 127.0.0.1.

#![allow(dead_code)]

use std::io::Read;
use std::sync::Arc;

use bindery::i18n::Lang;
use bindery::state::session::MemorySessions;
use bindery::state::{Action, Cloud, Model, Secret};
use bindery_cloud::developer::import::{import_file, ImportMode};
use bindery_cloud::developer::{self, batches, products};
use bindery_cloud::{AppState, LoopbackCloud, StateConfig};
use bindery_core::api::{CreateProduct, IMPORT_TEMPLATE_HEADER};
use bindery_core::{LabelForm, ProductKey};

/// One printed label of the test batch.
#[derive(Debug, Clone)]
pub struct Label {
    pub sn: String,
    pub qr_content: String,
    /// The label's PNG as it came in the archive.
    pub png: Vec<u8>,
}

/// A cloud serving on loopback until [`TestCloud::stop`] or drop.
pub struct TestCloud {
    pub url: String,
    pub state: AppState,
    pub product_key: ProductKey,
    pub product_name: String,
    /// Activated labels (their DeviceKey was imported): bindable.
    pub labels: Vec<Label>,
    /// Labels of the batch whose DeviceKey was never imported.
    pub inactive: Vec<Label>,
    server: LoopbackCloud,
    _dir: tempfile::TempDir,
}

pub const PRODUCT_NAME: &str = "Demo smart plug";

/// The public address of the test clouds, printed in URL labels (phones would open it; the
/// app reads the label's fields and talks to the cloud it is set up for).
pub const PUBLIC_URL: &str = "https://bindery.test";

impl TestCloud {
    pub async fn start() -> TestCloud {
        TestCloud::start_serving(None).await
    }

    /// The same cloud, also serving the web app in `web_root` at `/app/`.
    pub async fn start_serving(web_root: Option<std::path::PathBuf>) -> TestCloud {
        TestCloud::start_with(web_root, LabelForm::BinderyV2).await
    }

    /// A cloud whose demo product prints its labels in `form` (URL labels point at
    /// [`PUBLIC_URL`]).
    pub async fn start_printing(form: LabelForm) -> TestCloud {
        TestCloud::start_with(None, form).await
    }

    /// [`TestCloud::start_serving`] over HTTPS with a self-signed certificate made for
    /// 127.0.0.1 (`bindery-cloud serve --tls-self-signed`); also returns the certificate's
    /// public key pin, for a browser told to trust it.
    pub async fn start_serving_https(web_root: std::path::PathBuf) -> (TestCloud, SpkiPin) {
        let mut cloud = TestCloud::start_with(Some(web_root), LabelForm::BinderyV2).await;
        let https = bindery_cloud::tls::self_signed(
            cloud._dir.path(),
            "127.0.0.1:0".parse().expect("an address"),
        )
        .expect("a self-signed certificate");
        let pin = SpkiPin::of_key_file(&https.key_file);
        // The same cloud and database, now behind TLS only.
        cloud.server.stop().await;
        cloud.server = LoopbackCloud::start_tls(cloud.state.clone(), https.config)
            .await
            .expect("cloud serves HTTPS on loopback");
        cloud.url = cloud.server.url.clone();
        (cloud, pin)
    }

    async fn start_with(web_root: Option<std::path::PathBuf>, form: LabelForm) -> TestCloud {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = bindery_cloud::db::sqlite_url(&dir.path().join("cloud.sqlite3"));
        let mut config = StateConfig::new(url);
        config.web_root = web_root;
        config.public_url = Some(bindery_cloud::PublicUrl::parse(PUBLIC_URL).expect("an address"));
        let state = AppState::open(config).await.expect("cloud state");
        let key = developer::create_api_key(&state, "app tests", false)
            .await
            .expect("developer key");
        let product = products::create_product(
            &state,
            Some(&key.key_id),
            CreateProduct {
                name: PRODUCT_NAME.to_owned(),
                product_key: None,
                bind_policy: None,
                label_form: Some(form),
            },
        )
        .await
        .expect("product");
        let (_batch, archive) = batches::create_batch(&state, &product.product_key, 6, |_| {})
            .await
            .expect("batch");
        let mut all = read_archive(&archive);
        let inactive = all.split_off(4);
        let mut csv = format!("{}\n", IMPORT_TEMPLATE_HEADER.join(","));
        for (i, label) in all.iter().enumerate() {
            csv.push_str(&format!(
                "02:00:00:00:00:{:02x},{},{},,\n",
                i + 1,
                product.product_key,
                label.sn
            ));
        }
        let report = import_file(&state, &product.product_key, csv, ImportMode::Atomic)
            .await
            .expect("import");
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);

        let server = LoopbackCloud::start(state.clone())
            .await
            .expect("cloud serves on loopback");
        TestCloud {
            url: server.url.clone(),
            state,
            product_key: product.product_key,
            product_name: product.name,
            labels: all,
            inactive,
            server,
            _dir: dir,
        }
    }

    /// Stops serving: the port is closed afterwards (the database stays).
    pub async fn stop(&mut self) {
        self.server.stop().await;
    }

    pub fn cloud(&self) -> Cloud {
        Cloud {
            url: self.url.clone(),
            sandbox: false,
        }
    }

    /// Adopts a label printed by another system for a new device of the demo product: the
    /// import a migrating maker uploads (docs/product.md §2.3).
    pub async fn adopt(&self, device_key: &str, label: &str) {
        let csv = format!(
            "*DeviceKey,*ProductKey,Label\n{device_key},{},{label}\n",
            self.product_key
        );
        let report = import_file(&self.state, &self.product_key, csv, ImportMode::Atomic)
            .await
            .expect("import");
        assert_eq!(report.imported, 1, "{:?}", report.rejected);
    }

    /// A signed-out app model on this cloud, in `lang`.
    pub fn model(&self, lang: Lang) -> Model {
        Model::new(self.cloud(), lang, Arc::new(MemorySessions::default())).0
    }

    /// A model signed in with a new account.
    pub async fn signed_in(&self, email: &str) -> Model {
        let mut model = self.model(Lang::En);
        model
            .perform(Action::SignUp {
                email: email.to_owned(),
                password: Secret(PASSWORD.to_owned()),
            })
            .await;
        assert!(model.account.is_some(), "{:?}", model.failure);
        model
    }
}

/// The SHA-256 of a certificate's public key (its DER SubjectPublicKeyInfo), in base64: what
/// Chromium's `--ignore-certificate-errors-spki-list` takes to trust exactly that certificate,
/// as a phone trusts a self-signed cloud once its user accepted it.
pub struct SpkiPin(pub String);

impl SpkiPin {
    fn of_key_file(key_file: &std::path::Path) -> SpkiPin {
        use base64::Engine as _;
        use sha2::Digest as _;
        let pem = std::fs::read_to_string(key_file).expect("the key file reads");
        let key = rcgen::KeyPair::from_pem(&pem).expect("the key parses");
        let digest = sha2::Sha256::digest(rcgen::PublicKeyData::subject_public_key_info(&key));
        SpkiPin(base64::prelude::BASE64_STANDARD.encode(digest))
    }
}

pub const PASSWORD: &str = "correct horse battery";

/// What a test that needs something from outside the workspace (a browser, a display) does
/// when it is missing: fails when `require_var` is set (`cargo xtask test` sets it, having
/// provided everything), otherwise says why it skips.
pub fn unavailable(require_var: &str, why: &str) {
    if std::env::var_os(require_var).is_some() {
        panic!("{why} ({require_var} is set, so this test must run)");
    }
    eprintln!("skipped: {why}; `cargo xtask test` runs this");
}

/// `sn_list.csv` and `qr/<SN>.png` of a batch archive.
pub fn read_archive(archive: &[u8]) -> Vec<Label> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive)).expect("zip");
    let mut csv = String::new();
    zip.by_name("sn_list.csv")
        .expect("sn_list.csv")
        .read_to_string(&mut csv)
        .expect("utf-8");
    csv.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let mut cols = line.splitn(3, ',');
            let sn = cols.next().expect("sn").to_owned();
            let _code = cols.next();
            let qr_content = cols.next().expect("qr_content").to_owned();
            let mut png = Vec::new();
            zip.by_name(&format!("qr/{sn}.png"))
                .expect("label png")
                .read_to_end(&mut png)
                .expect("png");
            Label {
                sn,
                qr_content,
                png,
            }
        })
        .collect()
}
