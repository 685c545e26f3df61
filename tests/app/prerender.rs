//! The Sign-in screen that `cargo xtask web` writes into the web app's page, so a phone
//! paints it before the WebAssembly arrives (`assets/web/prerender/`, one file per
//! language): each file must be what the app itself renders for a signed-out visitor, so
//! the live screen that replaces it looks the same. The cloud's address is the placeholder
//! the page's start script fills in with the cloud that served it.
//!
//! After a change to the Sign-in screen, `BINDERY_BLESS=1 cargo test -p bindery --test app
//! prerender` writes the files again.

use std::path::Path;
use std::sync::Arc;

use bindery::i18n::Lang;
use bindery::state::session::MemorySessions;
use bindery::state::{Cloud, Model};

use crate::ui::Ui;

/// What the page's start script replaces with the serving cloud's address.
const CLOUD_PLACEHOLDER: &str = "https://serving-cloud.invalid";

/// The app's own rendering of its first screen for a signed-out visitor in `lang`: the
/// `<main>` element, without the stylesheet (the page inlines that once).
fn sign_in_as_rendered(lang: Lang) -> String {
    let cloud = Cloud {
        url: CLOUD_PLACEHOLDER.to_owned(),
        sandbox: false,
    };
    let (model, first) = Model::new(cloud, lang, Arc::new(MemorySessions::default()));
    assert!(first.is_none(), "a signed-out start asks the cloud nothing");
    let ui = Ui::new(model);
    let html = ui.html();
    let start = html.find("<main").expect("the app renders a <main>");
    let end = html.rfind("</main>").expect("the <main> is closed") + "</main>".len();
    html[start..end].to_owned()
}

#[test]
fn the_prerendered_sign_in_is_what_the_app_renders() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/web/prerender");
    let bless = std::env::var_os("BINDERY_BLESS").is_some();
    for lang in [Lang::En, Lang::ZhCn] {
        let path = dir.join(format!("sign-in.{}.html", lang.tag()));
        let rendered = sign_in_as_rendered(lang);
        // The Sign-in form with the cloud line, and nothing the live screen would not show
        // (such as a complaint about the placeholder address).
        assert!(
            rendered.contains("screen auth sign-in") && rendered.contains(CLOUD_PLACEHOLDER),
            "{rendered}"
        );
        assert!(!rendered.contains("error-panel"), "{rendered}");
        if bless {
            std::fs::write(&path, format!("{rendered}\n")).unwrap();
        }
        let kept = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            kept.trim_end(),
            rendered,
            "{} is not what the app renders: run `BINDERY_BLESS=1 cargo test -p bindery --test app prerender`",
            path.display()
        );
    }
}
