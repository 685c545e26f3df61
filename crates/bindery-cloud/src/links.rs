//! Labels that open the app (issue 15). A label printed in the URL form of docs/product.md §3
//! (`https://<cloud>/b?pk=…&sn=…[&bc=…]`) is a link, so a phone's own camera app can open it:
//! it lands on this cloud's `GET /b`, which sends the phone on to the web app's Confirm screen
//! for that label or, when this cloud serves no web app, explains on a small page (English and
//! 简体中文) what the label is and how to bind it. The label is read by the same parser as
//! everywhere else (`bindery_core::parse_qr`), so `/b` accepts exactly what the app accepts.
//!
//! The two `/.well-known` files let the native app (its bundle id is [`BUNDLE_ID`], from
//! `Dioxus.toml`) claim these links instead of the browser: Android's Digital Asset Links
//! (`assetlinks.json`, with the SHA-256 fingerprints of the app's signing certificates) and
//! Apple's `apple-app-site-association` (with the developer team id). Each is served only
//! when its flag configures it; otherwise it is `not_found`, which tells the phone that this
//! site claims no app.
//!
//! These paths are pages and files for phones, not API calls, so they are not in the OpenAPI
//! document (`src/openapi/tests.rs` lists them as the routes allowed outside it).

use std::fmt;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bindery_core::{parse_qr, ErrorCode, Field, ProductKey, QrError, QrKind, Sn};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, PageForPeople};
use crate::state::AppState;

/// The app's bundle id (`[bundle] identifier` in `Dioxus.toml`): the Android package name and
/// the iOS bundle id the `/.well-known` files name. A test checks that `Dioxus.toml` agrees.
pub const BUNDLE_ID: &str = "org.bindery.app";

/// Where `GET /b` sends a phone when this cloud serves the web app: its Confirm screen, which
/// reads the label from the same query.
pub const CONFIRM_PATH: &str = "/app/confirm";

/// What the `/.well-known` files say, from `serve --android-cert-sha256` and
/// `--apple-team-id`. Empty (the default): both files are `not_found`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppLinks {
    /// SHA-256 fingerprints of the certificates the Android app is signed with (release and
    /// Play app signing keys): `assetlinks.json` is served when there is at least one.
    pub android_cert_sha256: Vec<Sha256Fingerprint>,
    /// The Apple developer team of the iOS app: `apple-app-site-association` is served when
    /// it is set.
    pub apple_team_id: Option<AppleTeamId>,
}

/// A SHA-256 fingerprint of a certificate, shown as browsers and Android's tools show it:
/// 32 upper-case hex pairs joined by colons.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha256Fingerprint(pub [u8; 32]);

impl Sha256Fingerprint {
    /// The fingerprint of a DER-encoded certificate.
    pub fn of(der: &[u8]) -> Sha256Fingerprint {
        Sha256Fingerprint(Sha256::digest(der).into())
    }

    /// Reads 64 hex digits, with or without `:` (or spaces) between the pairs, in any case;
    /// the error says what is wrong, for `--android-cert-sha256`.
    pub fn parse(input: &str) -> Result<Sha256Fingerprint, String> {
        let digits: String = input
            .trim()
            .chars()
            .filter(|c| *c != ':' && *c != ' ')
            .collect();
        if let Some(bad) = digits.chars().find(|c| !c.is_ascii_hexdigit()) {
            return Err(format!(
                "{input:?} is not a SHA-256 fingerprint: {bad:?} is not a hex digit \
                 (`keytool -list -v` or `apksigner verify --print-certs` shows it as 32 pairs like 14:6D:E9:…)"
            ));
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(&digits, &mut bytes).map_err(|_| {
            format!(
                "{input:?} is not a SHA-256 fingerprint: it has {} hex digits, a SHA-256 has 64 \
                 (a SHA-1 fingerprint has 40: use the SHA-256 one)",
                digits.len()
            )
        })?;
        Ok(Sha256Fingerprint(bytes))
    }
}

impl fmt::Display for Sha256Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Sha256Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Fingerprint({self})")
    }
}

/// An Apple developer team id: 10 upper-case letters and digits (`A1B2C3D4E5`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppleTeamId(String);

impl AppleTeamId {
    /// Checks `input` (case is ignored); the error says what is wrong, for `--apple-team-id`.
    pub fn parse(input: &str) -> Result<AppleTeamId, String> {
        let id = input.trim().to_ascii_uppercase();
        if id.len() != 10 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!(
                "{input:?} is not an Apple team id: it is 10 letters and digits, as the \
                 Membership page of developer.apple.com shows it"
            ));
        }
        Ok(AppleTeamId(id))
    }

    /// The id, upper case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `/b` and the two `/.well-known` files.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/b", get(label))
        .route("/.well-known/assetlinks.json", get(assetlinks))
        .route(
            "/.well-known/apple-app-site-association",
            get(apple_app_site_association),
        )
}

/// `GET /b?pk=…&sn=…[&bc=…]`: to the web app's Confirm screen with the query as it came, or
/// the label page; a query that is not a whole label gets the page that says so (400).
async fn label(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let query = uri.query().unwrap_or_default();
    let language = preferred_language(&headers);
    let (status, page) = match read_label(query) {
        Ok(label) if state.web_root.is_some() => {
            match HeaderValue::try_from(format!("{CONFIRM_PATH}?{query}")) {
                Ok(location) => {
                    let mut answer = StatusCode::SEE_OTHER.into_response();
                    answer.headers_mut().insert(header::LOCATION, location);
                    return private(answer);
                }
                // The URI's query is visible ASCII, which a header always takes; kept total.
                Err(_) => (StatusCode::OK, label_page(language, &label)),
            }
        }
        Ok(label) => (StatusCode::OK, label_page(language, &label)),
        Err(problem) => (StatusCode::BAD_REQUEST, problem_page(language, problem)),
    };
    let mut answer = (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // The page needs nothing but its own inline style.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
        ],
        page,
    )
        .into_response();
    answer.extensions_mut().insert(PageForPeople);
    private(answer)
}

/// The label's address can hold its bind code: no cache keeps it and no page it leads to
/// learns it as a referrer.
fn private(mut answer: Response) -> Response {
    let headers = answer.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    answer
}

/// What a `/b` query names (its bind code is checked but never shown).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Label {
    product_key: ProductKey,
    sn: Sn,
}

/// Why a `/b` query is not a label, in terms the page can name without echoing the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    /// A field the label needs is absent.
    Missing(Field),
    /// A field breaks its rule (docs/product.md §3, domain rules).
    Invalid(Field),
    /// The same field twice.
    Repeated,
    /// Anything else: no label fields at all, a label version we do not know, a broken pair.
    NotALabel,
}

/// Reads the query as the URL label it came from.
fn read_label(query: &str) -> Result<Label, Problem> {
    // Any host will do: the parser reads the query of an http(s) URL.
    match parse_qr(&format!("https://cloud.invalid/b?{query}")) {
        Ok(payload) => match (payload.kind(), payload.product_key(), payload.sn()) {
            (QrKind::Url, Some(product_key), Some(sn)) => Ok(Label {
                product_key: product_key.clone(),
                sn: sn.clone(),
            }),
            _ => Err(Problem::NotALabel),
        },
        Err(QrError::MissingField { field, .. }) => Err(Problem::Missing(match field {
            "pk" => Field::ProductKey,
            "sn" => Field::Sn,
            _ => Field::BindCode,
        })),
        Err(QrError::InvalidValue { error, .. }) => Err(Problem::Invalid(error.field)),
        Err(QrError::DuplicateField { .. }) => Err(Problem::Repeated),
        Err(_) => Err(Problem::NotALabel),
    }
}

/// The two languages of the page; the preferred one comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Language {
    English,
    Chinese,
}

impl Language {
    fn tag(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Chinese => "zh-Hans",
        }
    }
}

/// English or Chinese, by the browser's `Accept-Language` (the highest `q` of the two wins,
/// the earlier on a tie); English when it names neither.
fn preferred_language(headers: &HeaderMap) -> Language {
    let Some(accepted) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Language::English;
    };
    let mut best: Option<(f32, Language)> = None;
    for item in accepted.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let language = if tag == "zh" || tag.starts_with("zh-") {
            Language::Chinese
        } else if tag == "en" || tag.starts_with("en-") {
            Language::English
        } else {
            continue;
        };
        if q > 0.0 && best.is_none_or(|(top, _)| q > top) {
            best = Some((q, language));
        }
    }
    best.map_or(Language::English, |(_, language)| language)
}

/// One language's part of a page: a heading and paragraphs of trusted HTML.
struct Section {
    heading: &'static str,
    paragraphs: Vec<String>,
}

fn label_page(first: Language, label: &Label) -> String {
    let pk = escape(label.product_key.as_str());
    let sn = escape(label.sn.as_str());
    let section = |language| {
        match language {
        Language::English => Section {
            heading: "Bind this device with Bindery",
            paragraphs: vec![
                format!("This is the QR label of a device: product key <b>{pk}</b>, SN <b>{sn}</b>."),
                "To add it to your account, open the Bindery app (install it first if you do not \
                 have it), tap <b>Add device</b> and scan this label."
                    .to_owned(),
                "If you cannot scan it: in the app, tap <b>Add device</b>, then <b>Enter code</b>, \
                 and paste this page's address from the address bar."
                    .to_owned(),
            ],
        },
        Language::Chinese => Section {
            heading: "用 Bindery 绑定此设备",
            paragraphs: vec![
                format!("这是一个设备的二维码标签：产品密钥 <b>{pk}</b>，SN <b>{sn}</b>。"),
                "要把它添加到你的账号，请打开 Bindery 应用（如未安装，请先安装），点击<b>添加设备</b>，扫描这个标签。"
                    .to_owned(),
                "如果无法扫描：在应用中点击<b>添加设备</b>，再点<b>输入代码</b>，粘贴本页地址栏中的地址。"
                    .to_owned(),
            ],
        },
    }
    };
    page(first, section)
}

fn problem_page(first: Language, problem: Problem) -> String {
    let section = |language| {
        let (heading, what, todo) = match language {
            Language::English => (
                "This is not a whole Bindery label",
                match problem {
                    Problem::Missing(Field::ProductKey) => "Its address has no product key (pk).",
                    Problem::Missing(Field::Sn) => "Its address has no SN (sn).",
                    Problem::Missing(_) => {
                        "Its address has no bind code (bc), which its label version needs."
                    }
                    Problem::Invalid(Field::ProductKey) => "Its product key (pk) is not valid.",
                    Problem::Invalid(Field::Sn) => "Its SN (sn) is not valid.",
                    Problem::Invalid(_) => "Its bind code (bc) is not valid.",
                    Problem::Repeated => "Its address gives the same field twice.",
                    Problem::NotALabel => {
                        "Its address does not hold the product key and SN of a device."
                    }
                },
                "Scan the label again in the Bindery app (tap <b>Add device</b>), or tap \
                 <b>Enter code</b> there and type the text printed under the QR code. If it \
                 keeps failing, the label may be damaged or misprinted: ask the device's maker.",
            ),
            Language::Chinese => (
                "这不是完整的 Bindery 标签",
                match problem {
                    Problem::Missing(Field::ProductKey) => "它的地址中缺少产品密钥（pk）。",
                    Problem::Missing(Field::Sn) => "它的地址中缺少 SN（sn）。",
                    Problem::Missing(_) => "它的地址中缺少绑定码（bc），此版本的标签需要它。",
                    Problem::Invalid(Field::ProductKey) => "其中的产品密钥（pk）无效。",
                    Problem::Invalid(Field::Sn) => "其中的 SN（sn）无效。",
                    Problem::Invalid(_) => "其中的绑定码（bc）无效。",
                    Problem::Repeated => "它的地址中有重复的字段。",
                    Problem::NotALabel => "它的地址中没有设备的产品密钥和 SN。",
                },
                "请在 Bindery 应用中重新扫描标签（点击<b>添加设备</b>），或在其中点击<b>输入代码</b>，\
                 输入二维码下方印刷的文字。如果仍然失败，标签可能已损坏或印错：请联系设备制造商。",
            ),
        };
        Section {
            heading,
            paragraphs: vec![what.to_owned(), todo.to_owned()],
        }
    };
    page(first, section)
}

/// The whole page: both languages, the preferred first, each marked with its `lang`.
fn page(first: Language, section: impl Fn(Language) -> Section) -> String {
    let order = match first {
        Language::English => [Language::English, Language::Chinese],
        Language::Chinese => [Language::Chinese, Language::English],
    };
    let mut html = format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>{title}</title>\n<style>\n\
         body{{font:1.0625rem/1.5 system-ui,sans-serif;margin:0;padding:1.5rem;max-width:36rem}}\n\
         section+section{{margin-top:2rem;padding-top:1rem;border-top:1px solid #8886}}\n\
         h1{{font-size:1.375rem;line-height:1.3}}\nb{{overflow-wrap:anywhere}}\n</style>\n\
         </head>\n<body>\n<main>\n",
        lang = first.tag(),
        title = section(first).heading,
    );
    for language in order {
        let Section {
            heading,
            paragraphs,
        } = section(language);
        html.push_str(&format!(
            "<section lang=\"{}\">\n<h1>{heading}</h1>\n",
            language.tag()
        ));
        for paragraph in paragraphs {
            html.push_str(&format!("<p>{paragraph}</p>\n"));
        }
        html.push_str("</section>\n");
    }
    html.push_str("</main>\n</body>\n</html>\n");
    html
}

/// `text` safe inside HTML text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `GET /.well-known/assetlinks.json`: Android may open this site's links in the app
/// [`BUNDLE_ID`] signed with one of the configured certificates.
async fn assetlinks(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let fingerprints = &state.app_links.android_cert_sha256;
    if fingerprints.is_empty() {
        return Err(ApiError::with_message(
            ErrorCode::NotFound,
            "this cloud names no Android app: start it with --android-cert-sha256",
        ));
    }
    Ok(Json(assetlinks_document(fingerprints)))
}

/// The Digital Asset Links statement list.
fn assetlinks_document(fingerprints: &[Sha256Fingerprint]) -> Value {
    let fingerprints: Vec<String> = fingerprints.iter().map(ToString::to_string).collect();
    json!([{
        "relation": ["delegate_permission/common.handle_all_urls"],
        "target": {
            "namespace": "android_app",
            "package_name": BUNDLE_ID,
            "sha256_cert_fingerprints": fingerprints,
        }
    }])
}

/// `GET /.well-known/apple-app-site-association`: iOS may open this site's label links (`/b`)
/// in the app [`BUNDLE_ID`] of the configured team. JSON, though the name has no extension.
async fn apple_app_site_association(
    State(state): State<AppState>,
) -> Result<Json<Value>, ApiError> {
    let team = state.app_links.apple_team_id.as_ref().ok_or_else(|| {
        ApiError::with_message(
            ErrorCode::NotFound,
            "this cloud names no iOS app: start it with --apple-team-id",
        )
    })?;
    Ok(Json(apple_document(team)))
}

/// The `applinks` section: the label path, in the `components` form of iOS 13 and later and
/// the `paths` form older versions read.
fn apple_document(team: &AppleTeamId) -> Value {
    let app_id = format!("{}.{BUNDLE_ID}", team.as_str());
    json!({
        "applinks": {
            "apps": [],
            "details": [{
                "appIDs": [app_id],
                "appID": app_id,
                "components": [{
                    "/": "/b*",
                    "comment": "device labels in the URL form (docs/product.md §3)"
                }],
                "paths": ["/b*"],
            }]
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_id_is_the_one_in_dioxus_toml() {
        let toml =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Dioxus.toml"))
                .unwrap();
        let bundle = toml
            .split("\n[")
            .find(|table| table.starts_with("bundle]"))
            .expect("a [bundle] table");
        let identifier = bundle
            .lines()
            .find_map(|line| line.trim().strip_prefix("identifier"))
            .and_then(|rest| rest.trim().strip_prefix('='))
            .map(|value| value.trim().trim_matches('"'))
            .expect("[bundle] identifier");
        assert_eq!(identifier, BUNDLE_ID);
    }

    #[test]
    fn fingerprints_are_read_in_any_spelling_and_shown_as_browsers_do() {
        let colon = "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5";
        let cases: [(&str, Result<&str, &str>); 6] = [
            (colon, Ok(colon)),
            (&colon.to_ascii_lowercase(), Ok(colon)),
            (
                "146DE983C5730650D8EEB9952F34FC6416A08342E61DBEA88A0496B23FCF44E5",
                Ok(colon),
            ),
            ("14:6D:E9", Err("it has 6 hex digits")),
            (
                "DA:39:A3:EE:5E:6B:4B:0D:32:55:BF:EF:95:60:18:90:AF:D8:07:09",
                Err("SHA-1"),
            ),
            ("14:6D:G9", Err("'G' is not a hex digit")),
        ];
        for (input, expected) in cases {
            match (Sha256Fingerprint::parse(input), expected) {
                (Ok(parsed), Ok(shown)) => assert_eq!(parsed.to_string(), shown, "{input}"),
                (Err(error), Err(says)) => assert!(error.contains(says), "{input}: {error}"),
                (got, want) => panic!("{input}: {got:?}, expected {want:?}"),
            }
        }
        assert_eq!(
            Sha256Fingerprint::of(b"").to_string(),
            "E3:B0:C4:42:98:FC:1C:14:9A:FB:F4:C8:99:6F:B9:24:27:AE:41:E4:64:9B:93:4C:A4:95:99:1B:78:52:B8:55"
        );
    }

    #[test]
    fn team_ids_are_ten_letters_and_digits() {
        let cases = [
            ("A1B2C3D4E5", Some("A1B2C3D4E5")),
            (" a1b2c3d4e5 ", Some("A1B2C3D4E5")),
            ("A1B2C3D4E", None),
            ("A1B2C3D4E5F", None),
            ("A1B2C3D4E-", None),
        ];
        for (input, expected) in cases {
            assert_eq!(
                AppleTeamId::parse(input)
                    .ok()
                    .as_ref()
                    .map(AppleTeamId::as_str),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn queries_are_read_as_the_labels_they_came_from() {
        let label = |pk: &str, sn: &str| {
            Ok(Label {
                product_key: ProductKey::parse(pk).unwrap(),
                sn: Sn::parse(sn).unwrap(),
            })
        };
        let cases = [
            (
                "pk=p1a2b3&sn=BD7K2M9Q4X&bc=7Q4XK2M9PD",
                label("p1a2b3", "BD7K2M9Q4X"),
            ),
            ("pk=p1a2b3&sn=BD7K2M9Q4X", label("p1a2b3", "BD7K2M9Q4X")),
            (
                "SN=BD7K%2D2M9Q4X&PK=p1a2b3&utm=x",
                label("p1a2b3", "BD7K-2M9Q4X"),
            ),
            ("sn=BD7K2M9Q4X", Err(Problem::Missing(Field::ProductKey))),
            ("pk=p1a2b3", Err(Problem::Missing(Field::Sn))),
            // As the app reads URL labels: `v` is checked, a bind code stays optional.
            ("pk=p1a2b3&sn=BD7K2M9Q4X&v=2", label("p1a2b3", "BD7K2M9Q4X")),
            (
                "pk=p!&sn=BD7K2M9Q4X",
                Err(Problem::Invalid(Field::ProductKey)),
            ),
            ("pk=p1a2b3&sn=%3Cb%3E", Err(Problem::Invalid(Field::Sn))),
            (
                "pk=p1a2b3&sn=BD7K2M9Q4X&bc=short",
                Err(Problem::Invalid(Field::BindCode)),
            ),
            ("pk=p1a2b3&pk=p1a2b3&sn=BD7K2M9Q4X", Err(Problem::Repeated)),
            ("", Err(Problem::NotALabel)),
            ("utm_source=box", Err(Problem::NotALabel)),
            ("pk=p1a2b3&sn=BD7K2M9Q4X&v=9", Err(Problem::NotALabel)),
            ("pk=p1a2b3&sn=BD7K2M9Q4X&junk", Err(Problem::NotALabel)),
        ];
        for (query, expected) in cases {
            assert_eq!(read_label(query), expected, "{query}");
        }
    }

    #[test]
    fn the_language_follows_accept_language() {
        let cases = [
            (None, Language::English),
            (Some("zh-CN,zh;q=0.9,en;q=0.8"), Language::Chinese),
            (Some("en-US,en;q=0.9,zh-CN;q=0.8"), Language::English),
            (Some("de-DE,zh-TW;q=0.7,en;q=0.5"), Language::Chinese),
            (Some("en;q=0.5, zh"), Language::Chinese),
            (Some("fr, de"), Language::English),
            (Some("zh;q=0"), Language::English),
        ];
        for (header, expected) in cases {
            let mut headers = HeaderMap::new();
            if let Some(value) = header {
                headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static(value));
            }
            assert_eq!(preferred_language(&headers), expected, "{header:?}");
        }
    }

    #[test]
    fn pages_carry_both_languages_the_preferred_first() {
        let label = read_label("pk=p1a2b3&sn=BD7K2M9Q4X").unwrap();
        let english = label_page(Language::English, &label);
        assert!(english.starts_with("<!doctype html>\n<html lang=\"en\">"));
        let en = english.find("<section lang=\"en\">").unwrap();
        let zh = english.find("<section lang=\"zh-Hans\">").unwrap();
        assert!(en < zh);
        let chinese = problem_page(Language::Chinese, Problem::Missing(Field::Sn));
        assert!(chinese.starts_with("<!doctype html>\n<html lang=\"zh-Hans\">"));
        assert!(chinese.contains("<title>这不是完整的 Bindery 标签</title>"));
        let en = chinese.find("<section lang=\"en\">").unwrap();
        let zh = chinese.find("<section lang=\"zh-Hans\">").unwrap();
        assert!(zh < en);
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
