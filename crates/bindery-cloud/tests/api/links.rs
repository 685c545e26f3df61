//! Labels that open the app, on a cloud that serves no web app: `/b` explains the label in
//! both languages (never showing its bind code), and the `/.well-known` app-link files name
//! the native app only when their flags configure it.

use bindery_cloud::links::{AppLinks, AppleTeamId, Sha256Fingerprint, BUNDLE_ID};
use bindery_cloud::{AppState, LoopbackCloud, StateConfig};
use serde_json::{json, Value};

const FINGERPRINT: &str =
    "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5";

async fn cloud(app_links: AppLinks) -> (LoopbackCloud, tempfile::TempDir) {
    let db = tempfile::tempdir().expect("temp dir");
    let mut config = StateConfig::new(bindery_cloud::db::sqlite_url(
        &db.path().join("cloud.sqlite3"),
    ));
    config.app_links = app_links;
    let state = AppState::open(config).await.expect("open state");
    (LoopbackCloud::start(state).await.expect("serve"), db)
}

/// What a `/b` answer must and must not say.
struct Case {
    query: &'static str,
    accept_language: Option<&'static str>,
    status: u16,
    /// The `lang` of the page (its preferred language).
    lang: &'static str,
    says: &'static [&'static str],
    never: &'static [&'static str],
}

#[tokio::test]
async fn a_url_label_without_a_web_app_gets_a_page_that_says_how_to_bind_it() {
    let (cloud, _db) = cloud(AppLinks::default()).await;
    let both = [
        "<section lang=\"en\">",
        "<section lang=\"zh-Hans\">",
        "Bindery app",
        "Bindery 应用",
    ];
    let cases = [
        Case {
            query: "pk=p1a2b3&sn=BD7K2M9Q4X&bc=7Q4XK2M9PD",
            accept_language: None,
            status: 200,
            lang: "en",
            says: &[
                "product key <b>p1a2b3</b>, SN <b>BD7K2M9Q4X</b>",
                "Add device",
                "Enter code",
            ],
            never: &["7Q4XK2M9PD", "bc="],
        },
        Case {
            query: "pk=p1a2b3&sn=BD7K2M9Q4X&bc=7Q4XK2M9PD",
            accept_language: Some("zh-CN,zh;q=0.9,en;q=0.8"),
            status: 200,
            lang: "zh-Hans",
            says: &["产品密钥 <b>p1a2b3</b>，SN <b>BD7K2M9Q4X</b>", "添加设备"],
            never: &["7Q4XK2M9PD"],
        },
        Case {
            query: "pk=p1a2b3",
            accept_language: None,
            status: 400,
            lang: "en",
            says: &["no SN (sn)", "缺少 SN（sn）"],
            never: &[],
        },
        Case {
            query: "sn=BD7K2M9Q4X&bc=7Q4XK2M9PD",
            accept_language: None,
            status: 400,
            lang: "en",
            says: &["no product key (pk)", "缺少产品密钥（pk）"],
            never: &["7Q4XK2M9PD"],
        },
        Case {
            query: "pk=p1a2b3&sn=BD7K2M9Q4X&bc=SECRET%3Cb%3E",
            accept_language: Some("zh"),
            status: 400,
            lang: "zh-Hans",
            says: &["bind code (bc) is not valid", "绑定码（bc）无效"],
            never: &["SECRET"],
        },
        Case {
            query: "pk=p1a2b3&sn=%3Cscript%3E",
            accept_language: None,
            status: 400,
            lang: "en",
            says: &["SN (sn) is not valid"],
            never: &["<script>"],
        },
        Case {
            query: "",
            accept_language: None,
            status: 400,
            lang: "en",
            says: &["does not hold the product key and SN"],
            never: &[],
        },
    ];
    let http = reqwest::Client::new();
    for case in cases {
        let mut request = http.get(format!("{}/b?{}", cloud.url, case.query));
        if let Some(language) = case.accept_language {
            request = request.header("accept-language", language);
        }
        let answer = request.send().await.unwrap();
        let query = case.query;
        assert_eq!(answer.status(), case.status, "{query}");
        let headers = answer.headers().clone();
        assert_eq!(
            headers["content-type"], "text/html; charset=utf-8",
            "{query}"
        );
        assert_eq!(headers["cache-control"], "no-store", "{query}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{query}");
        assert!(headers.contains_key("content-security-policy"), "{query}");
        assert!(headers.contains_key("x-request-id"), "{query}");
        let page = answer.text().await.unwrap();
        let opening = format!("<!doctype html>\n<html lang=\"{}\">", case.lang);
        assert!(page.starts_with(&opening), "{query}: {page}");
        for text in both.iter().chain(case.says) {
            assert!(page.contains(text), "{query}: no {text:?} in {page}");
        }
        for text in case.never {
            assert!(!page.contains(text), "{query}: {text:?} shown in {page}");
        }
    }
}

#[tokio::test]
async fn app_link_files_name_the_app_only_when_configured() {
    let (bare, _db) = cloud(AppLinks::default()).await;
    let http = reqwest::Client::new();
    for (path, flag) in [
        ("/.well-known/assetlinks.json", "--android-cert-sha256"),
        ("/.well-known/apple-app-site-association", "--apple-team-id"),
    ] {
        let answer = http
            .get(format!("{}{path}", bare.url))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 404, "{path}");
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{path}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(flag),
            "{path}: {body}"
        );
    }

    let second = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
    let links = AppLinks {
        android_cert_sha256: vec![
            Sha256Fingerprint::parse(&FINGERPRINT.to_ascii_lowercase()).unwrap(),
            Sha256Fingerprint::parse(second).unwrap(),
        ],
        apple_team_id: Some(AppleTeamId::parse("A1B2C3D4E5").unwrap()),
    };
    let (configured, _db) = cloud(links).await;
    let get = |path: &'static str| http.get(format!("{}{path}", configured.url)).send();

    let answer = get("/.well-known/assetlinks.json").await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["content-type"], "application/json");
    let statements: Value = answer.json().await.unwrap();
    assert_eq!(
        statements,
        json!([{
            "relation": ["delegate_permission/common.handle_all_urls"],
            "target": {
                "namespace": "android_app",
                "package_name": BUNDLE_ID,
                "sha256_cert_fingerprints": [FINGERPRINT, second],
            }
        }])
    );

    let answer = get("/.well-known/apple-app-site-association")
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["content-type"], "application/json");
    let association: Value = answer.json().await.unwrap();
    let details = &association["applinks"]["details"][0];
    assert_eq!(details["appIDs"], json!(["A1B2C3D4E5.org.bindery.app"]));
    assert_eq!(details["components"][0]["/"], "/b*");
    assert_eq!(details["paths"], json!(["/b*"]));
    assert_eq!(BUNDLE_ID, "org.bindery.app");
}
