//! Launches the Bindery app on the platform the build was made for.

fn main() {
    #[cfg(feature = "desktop")]
    {
        use dioxus::desktop::{Config, LogicalSize, WindowBuilder};
        let window = WindowBuilder::new()
            .with_title("Bindery")
            .with_inner_size(LogicalSize::new(420.0, 760.0));
        dioxus::LaunchBuilder::desktop()
            .with_cfg(Config::new().with_window(window).with_menu(None))
            .launch(bindery::App);
    }
    #[cfg(not(feature = "desktop"))]
    dioxus::launch(bindery::App);
}
