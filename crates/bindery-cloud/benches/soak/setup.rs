//! What the cloud holds before the clock starts: a maker with a developer key and two
//! products, enough activated labels for every bind of the run, the app users' accounts, and
//! the million-row file the maker will import during the run.
//!
//! Everything goes through the HTTP API from the addresses the traffic uses later, except
//! the developer key, which only the `bindery-cloud dev-key` command makes. The setup's
//! sign-ups are acknowledged writes like any other and are checked at the end.

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::time::Duration;

use axum::body::Bytes;
use bindery_core::api::{Batch, CreateBatch, CreateProduct, Credentials, ImportReport, Session};
use reqwest::StatusCode;

use crate::cloud::Cloud;
use crate::{Args, MAKER_ADDRESS};

/// The product whose labels the users bind.
pub const LABEL_PRODUCT: &str = "soak01";
/// The product of the million-row import.
pub const BULK_PRODUCT: &str = "soakbulk";
/// Every account's password.
pub const PASSWORD: &str = "correct horse battery";
/// A batch's size in the setup (the most one batch may hold).
const SETUP_BATCH: u32 = bindery_core::api::MAX_BATCH_COUNT;

/// An HTTP client whose connections come from `address`: the server sees it as the client's
/// address, which is what its per-address limits count.
pub fn client_from(address: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::V4(address))
        // Under the server's 10 s idle timeout, so a pooled connection is not reused just as
        // the server closes it.
        .pool_idle_timeout(Duration::from_secs(5))
        // Longer than the server's own request timeout (120 s): the server decides.
        .timeout(Duration::from_secs(180))
        .build()
        .expect("an HTTP client")
}

/// An app user made by the setup.
#[derive(Debug, Clone)]
pub struct AppUser {
    /// Their email.
    pub email: String,
    /// Their account id.
    pub uid: String,
    /// Their session token.
    pub token: String,
    /// Which user address they use (index into the user addresses).
    pub address: usize,
}

/// What the setup made.
pub struct Prepared {
    /// The maker's developer key.
    pub api_key: String,
    /// Activated labels nobody has bound, as scanned text.
    pub labels: VecDeque<String>,
    /// The first batch's id (its archive is downloaded again after the restart).
    pub first_batch: String,
    /// SNs the setup activated (acknowledged imports).
    pub activated: Vec<String>,
    /// Batches the setup made (acknowledged), with their sizes.
    pub batches: Vec<(String, u32)>,
    /// The app users.
    pub users: Vec<AppUser>,
    /// The big import's CSV.
    pub bulk_csv: Bytes,
    /// How long the setup took, for the report.
    pub setup_took: Duration,
}

/// Makes the labels, accounts and file the run needs.
pub async fn prepare(args: &Args, cloud: &Cloud) -> Prepared {
    let started = std::time::Instant::now();
    let api_key = cloud
        .cli(&["dev-key", "create", "--name", "soak maker"])
        .trim()
        .to_owned();
    let maker = client_from(MAKER_ADDRESS);
    for (pk, name) in [(LABEL_PRODUCT, "Soak plug"), (BULK_PRODUCT, "Soak bulk")] {
        let answer = maker
            .post(format!("{}/v1/products", cloud.base))
            .header("x-api-key", &api_key)
            .json(&CreateProduct {
                name: name.into(),
                product_key: Some(pk.into()),
                bind_policy: None,
                label_form: None,
            })
            .send()
            .await
            .expect("create a product");
        assert_eq!(answer.status(), StatusCode::CREATED, "create product {pk}");
    }

    // Every user binds one label per tick for the whole run; newcomers bind one each.
    let ticks = args.duration().as_millis() as u64 / args.bind_every_ms.max(1) + 1;
    let wanted = (args.users as u64 * ticks) * 21 / 20 + 1000;
    let mut labels = VecDeque::new();
    let mut activated = Vec::new();
    let mut batches = Vec::new();
    let mut next_mac = 0x0a00_0000_0000u64;
    while (labels.len() as u64) < wanted {
        let (batch, contents, sns) =
            make_labels(&maker, &cloud.base, &api_key, SETUP_BATCH, &mut next_mac).await;
        tracing::info!(batch = %batch.batch_id, labels = labels.len() + contents.len(), wanted, "labels made and activated");
        batches.push((batch.batch_id, batch.count));
        labels.extend(contents);
        activated.extend(sns);
    }

    // The users sign up from their own addresses, within the real per-address limit.
    let mut users = Vec::with_capacity(args.users);
    let clients: Vec<_> = (0..usize::from(args.addresses))
        .map(|n| client_from(args.user_address(n)))
        .collect();
    for i in 0..args.users {
        let address = i % usize::from(args.addresses);
        let email = format!("soak-user-{i}@example.com");
        let (uid, token) = sign_up_and_in(&clients[address], &cloud.base, &email).await;
        users.push(AppUser {
            email,
            uid,
            token,
            address,
        });
    }

    let mut csv = String::with_capacity(args.import_rows as usize * 40);
    csv.push_str("*DeviceKey,*ProductKey,Device SN,Device Name,Certificate Fingerprint\n");
    for i in 0..args.import_rows {
        let mac = 0x0c00_0000_0000u64 + i;
        csv.push_str(&format!("{mac:012x},{BULK_PRODUCT},S{mac:012X},,\n"));
    }
    Prepared {
        api_key,
        first_batch: batches[0].0.clone(),
        labels,
        activated,
        batches,
        users,
        bulk_csv: Bytes::from(csv),
        setup_took: started.elapsed(),
    }
}

/// Signs `email` up and in from `http`'s address; its account id and token.
async fn sign_up_and_in(http: &reqwest::Client, base: &str, email: &str) -> (String, String) {
    let credentials = Credentials {
        email: email.into(),
        password: PASSWORD.into(),
    };
    let answer = http
        .post(format!("{base}/v1/users"))
        .json(&credentials)
        .send()
        .await
        .expect("sign up");
    assert_eq!(answer.status(), StatusCode::CREATED, "sign up {email}");
    let answer = http
        .post(format!("{base}/v1/sessions"))
        .json(&credentials)
        .send()
        .await
        .expect("sign in");
    assert_eq!(answer.status(), StatusCode::CREATED, "sign in {email}");
    let session: Session = answer.json().await.expect("a session");
    (session.uid, session.token)
}

/// Makes a batch of `count` labels of [`LABEL_PRODUCT`], downloads its archive and activates
/// every SN with an import (DeviceKeys from `next_mac` on): the batch, the labels' scanned
/// text and the SNs activated. Used by the setup, which must succeed.
pub async fn make_labels(
    maker: &reqwest::Client,
    base: &str,
    api_key: &str,
    count: u32,
    next_mac: &mut u64,
) -> (Batch, Vec<String>, Vec<String>) {
    let answer = maker
        .post(format!("{base}/v1/products/{LABEL_PRODUCT}/sn-batches"))
        .header("x-api-key", api_key)
        .json(&CreateBatch { count })
        .send()
        .await
        .expect("make a batch");
    assert_eq!(answer.status(), StatusCode::CREATED, "make a batch");
    let batch: Batch = answer.json().await.expect("a batch");
    let archive = maker
        .get(format!("{base}/v1/sn-batches/{}/archive", batch.batch_id))
        .header("x-api-key", api_key)
        .send()
        .await
        .expect("download the archive")
        .bytes()
        .await
        .expect("the archive");
    let labels = labels_of(&archive).expect("the batch's label list");
    let csv = activation_csv(&labels, next_mac);
    let answer = maker
        .post(format!("{base}/v1/products/{LABEL_PRODUCT}/devices/import"))
        .header("x-api-key", api_key)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("activate the batch");
    assert_eq!(answer.status(), StatusCode::OK, "activate the batch");
    let report: ImportReport = answer.json().await.expect("an import report");
    assert_eq!(report.imported, u64::from(count), "every SN activated");
    let (sns, contents) = labels.into_iter().unzip();
    (batch, contents, sns)
}

/// The `(sn, scanned text)` of every label of a batch's archive (its `sn_list.csv`), or
/// `None` when the archive is not a zip holding that list.
pub fn labels_of(archive: &[u8]) -> Option<Vec<(String, String)>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive)).ok()?;
    let mut list = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("sn_list.csv").ok()?, &mut list).ok()?;
    list.lines()
        .skip(1)
        .map(|line| {
            let mut cells = line.splitn(3, ',');
            let sn = cells.next()?.to_owned();
            let content = cells.nth(1)?.to_owned();
            Some((sn, content))
        })
        .collect()
}

/// The import file that activates `labels`: one fresh DeviceKey (a MAC) per SN.
pub fn activation_csv(labels: &[(String, String)], next_mac: &mut u64) -> String {
    let mut csv = String::from("*DeviceKey,*ProductKey,Device SN\n");
    for (sn, _) in labels {
        csv.push_str(&format!("{:012x},{LABEL_PRODUCT},{sn}\n", *next_mac));
        *next_mac += 1;
    }
    csv
}
