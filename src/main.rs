//! Launches the Bindery app on the platform the build was made for.

fn main() {
    #[cfg(feature = "desktop")]
    bindery::host::desktop::main();

    #[cfg(all(not(feature = "desktop"), any(feature = "web", feature = "mobile")))]
    {
        use std::sync::Arc;

        use bindery::host::HostHandle;
        use bindery::i18n::Lang;
        use bindery::state::{Cloud, Model};

        // A panic in the browser is otherwise only "RuntimeError: unreachable" in the console.
        #[cfg(all(feature = "web", target_arch = "wasm32"))]
        std::panic::set_hook(Box::new(|panic| {
            web_sys::console::error_1(&format!("bindery panicked: {panic}").into());
        }));
        // The web build talks to the cloud that served it unless Settings chose another;
        // phones are pointed at a cloud in Settings (there is no sandbox on them).
        let built_in = option_env!("BINDERY_CLOUD").unwrap_or("http://127.0.0.1:8080");
        #[cfg(all(feature = "web", target_arch = "wasm32"))]
        let (url, lang, host) = {
            use bindery::host::web;
            let remembered = web::remembered_preferences();
            (
                remembered
                    .cloud
                    .clone()
                    .or_else(web::serving_cloud)
                    .unwrap_or_else(|| built_in.to_owned()),
                remembered
                    .lang()
                    .or_else(web::browser_language)
                    .unwrap_or(Lang::En),
                HostHandle(Arc::new(web::WebHost)),
            )
        };
        // Phones: the camera is the webview's, decoded natively.
        #[cfg(all(feature = "mobile", not(target_arch = "wasm32")))]
        let (url, lang, host) = (
            built_in.to_owned(),
            Lang::En,
            HostHandle(Arc::new(bindery::host::mobile::MobileHost)),
        );
        // The web feature built for this machine rather than a browser: a type-check only.
        #[cfg(not(any(
            all(feature = "web", target_arch = "wasm32"),
            all(feature = "mobile", not(target_arch = "wasm32"))
        )))]
        let (url, lang, host) = (built_in.to_owned(), Lang::En, HostHandle::bare());
        let cloud = Cloud {
            url,
            sandbox: false,
        };
        // localStorage on the web, the keyring (or a private file) on phones.
        let sessions = Arc::new(bindery_client::session::SessionStore::open_default());
        let (model, first) = Model::new(cloud, lang, sessions);
        let boot = bindery::Boot::new(model, first, host);
        dioxus::LaunchBuilder::new()
            .with_context(boot)
            .launch(bindery::App);
    }

    // A test build (`--no-default-features`) has no window to open.
    #[cfg(not(any(feature = "desktop", feature = "web", feature = "mobile")))]
    {
        eprintln!("bindery was built without a platform: build it with the desktop, web or mobile feature");
        std::process::exit(2);
    }
}
