//! The desktop app: reads the command line, starts the sandbox when no cloud is given, and
//! opens the window. Its [`DesktopHost`] offers the camera (or a QA source), the file dialog
//! and the sandbox to the screens.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use clap::{Parser, ValueEnum};

use super::sandbox::Sandbox;
use super::{CameraFeed, Host, HostHandle, VIDEO_ID};
use crate::i18n::Lang;
use crate::state::preferences::{Preferences, PreferencesFile};
use crate::state::{Cloud, Model, ScanProblem};

/// Bindery: scan a device's QR label, name it, bind it to your account.
#[derive(Debug, Parser)]
#[command(name = "bindery", version)]
pub struct Options {
    /// The cloud to use (default: the sandbox, an embedded cloud on this computer).
    #[arg(long, env = "BINDERY_CLOUD")]
    pub cloud: Option<String>,

    /// Where the sandbox keeps its database and demo labels (default: the user's data
    /// directory, e.g. ~/.local/share/bindery).
    #[arg(long, env = "BINDERY_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// Use an image, a folder of images or a .y4m video as the camera (QA). With
    /// `--camera webview`, an image or a .y4m video, played to the page as its camera.
    #[arg(long, env = "BINDERY_CAMERA_FILE")]
    pub camera_file: Option<PathBuf>,

    /// Which camera path to use: the desktop's own (native) or the webview's getUserMedia,
    /// the one the phones use (webview).
    #[arg(long, env = "BINDERY_CAMERA", value_enum, default_value_t = CameraPath::Native)]
    pub camera: CameraPath,

    /// The language: en or zh-CN (default: from LANG).
    #[arg(long, env = "BINDERY_LANG")]
    pub lang: Option<String>,
}

/// Where the desktop's camera frames come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum CameraPath {
    /// The computer's camera through nokhwa (or the QA source), decoded on threads of the
    /// app, the preview sent to the page as images.
    #[default]
    Native,
    /// The webview's `getUserMedia`, played by the page and decoded natively: what the
    /// phones run (see [`super::webview`]); here to test that path in a real webview.
    Webview,
}

/// The desktop's capabilities.
pub struct DesktopHost {
    sandbox: Option<Sandbox>,
    qa_source: Mutex<Option<PathBuf>>,
    preferences: Option<PreferencesFile>,
    camera: CameraPath,
}

impl DesktopHost {
    /// The desktop with `sandbox` when one was started, and `qa_source` (an image, a folder of
    /// images or a .y4m video, from `--camera-file`) to use instead of the camera.
    pub fn new(sandbox: Option<Sandbox>, qa_source: Option<PathBuf>) -> DesktopHost {
        DesktopHost {
            sandbox,
            qa_source: Mutex::new(qa_source),
            preferences: None,
            camera: CameraPath::Native,
        }
    }

    /// Takes camera frames from `camera`.
    pub fn with_camera(mut self, camera: CameraPath) -> DesktopHost {
        self.camera = camera;
        self
    }

    /// Remembers Settings choices in `file`.
    pub fn with_preferences(mut self, file: PreferencesFile) -> DesktopHost {
        self.preferences = Some(file);
        self
    }

    fn sandbox_cloud(sandbox: &Sandbox) -> Cloud {
        Cloud {
            url: sandbox.url(),
            sandbox: true,
        }
    }
}

impl Host for DesktopHost {
    fn sandbox(&self) -> Option<Cloud> {
        self.sandbox.as_ref().map(Self::sandbox_cloud)
    }

    fn reset_sandbox(&self) -> Result<(), String> {
        let sandbox = self.sandbox.as_ref().ok_or("no sandbox is running")?;
        // The reset blocks on the sandbox's own runtime; keep it off the window's runtime.
        std::thread::scope(|s| s.spawn(|| sandbox.reset()).join())
            .map_err(|_| "the reset stopped unexpectedly".to_owned())?
            .map(drop)
            .map_err(|e| e.to_string())
    }

    fn demo_labels(&self) -> Vec<PathBuf> {
        self.sandbox
            .as_ref()
            .map(Sandbox::labels)
            .unwrap_or_default()
    }

    fn can_open_images(&self) -> bool {
        true
    }

    fn pick_image(&self) -> Option<PathBuf> {
        let mut dialog = rfd::FileDialog::new()
            .add_filter("Images", &["png", "jpg", "jpeg", "webp", "gif", "bmp"]);
        if let Some(sandbox) = &self.sandbox {
            dialog = dialog.set_directory(sandbox.labels_dir());
        }
        dialog.pick_file()
    }

    fn read_image(&self, path: &Path) -> Result<String, ScanProblem> {
        super::camera::read_image(path)
    }

    fn open_camera(&self, index: usize) -> Option<Box<dyn CameraFeed>> {
        Some(match self.camera {
            CameraPath::Native => super::camera::open(index, self.qa_source()),
            CameraPath::Webview => super::webview::open(index, self.qa_source()),
        })
    }

    fn video_preview(&self) -> Option<&'static str> {
        (self.camera == CameraPath::Webview).then_some(VIDEO_ID)
    }

    fn qa_source(&self) -> Option<PathBuf> {
        self.qa_source.lock().expect("not poisoned").clone()
    }

    fn set_qa_source(&self, source: Option<PathBuf>) {
        *self.qa_source.lock().expect("not poisoned") = source;
    }

    fn has_qa_source(&self) -> bool {
        true
    }

    fn save_preferences(&self, preferences: &Preferences) {
        if let Some(file) = &self.preferences {
            if let Err(error) = file.save(preferences) {
                tracing::warn!(file = %file.path().display(), %error, "could not remember the settings");
            }
        }
    }
}

/// Where Settings choices are kept: `settings.json` next to the session file.
fn preferences_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "bindery").map(|d| d.config_dir().join("settings.json"))
}

/// The language and cloud to start with: a flag (or its env var) wins, then what Settings
/// remembered, then the system's language and the sandbox.
pub fn starting_choice(
    lang_flag: Option<&str>,
    cloud_flag: Option<&str>,
    remembered: &Preferences,
) -> (Lang, Option<String>) {
    let lang = lang_flag
        .and_then(Lang::from_tag)
        .or_else(|| remembered.lang())
        .unwrap_or_else(|| language(None));
    let cloud = cloud_flag
        .map(str::to_owned)
        .or_else(|| remembered.cloud.clone());
    (lang, cloud)
}

/// The user's data directory for Bindery.
fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "bindery")
        .map(|d| d.data_dir().to_owned())
        .unwrap_or_else(|| std::env::temp_dir().join("bindery"))
}

/// The language asked for, else the system's (LANG), else English.
fn language(asked: Option<&str>) -> Lang {
    asked
        .and_then(Lang::from_tag)
        .or_else(|| {
            ["LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .filter_map(|v| std::env::var(v).ok())
                .find_map(|v| Lang::from_tag(&v))
        })
        .unwrap_or_default()
}

/// Runs the desktop app until its window closes.
pub fn main() {
    render_without_gl();
    let options = Options::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,bindery=info")),
        )
        .with_writer(std::io::stderr)
        // Colours only on a terminal: a log file (QA, the figures script) stays greppable.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    // The sandbox hashes passwords with argon2id, as the cloud does.
    bindery_cloud::memory::return_big_blocks();
    let preferences = preferences_path().map(PreferencesFile::new);
    let remembered = preferences
        .as_ref()
        .map(PreferencesFile::load)
        .unwrap_or_default();
    let (lang, cloud_choice) = starting_choice(
        options.lang.as_deref(),
        options.cloud.as_deref(),
        &remembered,
    );
    // The sandbox runs unless a cloud was given on the command line: with a remembered
    // cloud it still runs, so Settings can switch back to it.
    let (sandbox, sandbox_error) = if options.cloud.is_some() {
        (None, None)
    } else {
        let dir = options.data_dir.clone().unwrap_or_else(default_data_dir);
        match Sandbox::start(&dir) {
            Ok(sandbox) => {
                tracing::info!(url = %sandbox.url(), labels = %sandbox.labels_dir().display(), "sandbox ready");
                (Some(sandbox), None)
            }
            Err(e) => (None, Some(e.to_string())),
        }
    };
    let cloud = match (&cloud_choice, &sandbox) {
        (Some(url), _) => Cloud {
            url: url.clone(),
            sandbox: false,
        },
        (None, Some(sandbox)) => DesktopHost::sandbox_cloud(sandbox),
        (None, None) => Cloud {
            url: "http://127.0.0.1:8080".to_owned(),
            sandbox: false,
        },
    };
    // A sandbox failure matters only when the sandbox was to be used.
    let sandbox_error = sandbox_error.filter(|_| cloud_choice.is_none());
    // The OS keyring, or a private file with a warning Settings shows.
    let sessions = Arc::new(bindery_client::session::SessionStore::open_default());
    let (mut model, first) = Model::new(cloud, lang, sessions);
    if let Some(detail) = sandbox_error {
        model.sandbox_failed(detail);
    }
    let mut desktop = DesktopHost::new(sandbox, options.camera_file).with_camera(options.camera);
    if let Some(file) = preferences {
        desktop = desktop.with_preferences(file);
    }
    let host = HostHandle(Arc::new(desktop));
    let boot = crate::Boot::new(model, first, host);

    use dioxus::desktop::{Config, LogicalSize, WindowBuilder};
    let window = WindowBuilder::new()
        .with_title("Bindery")
        .with_inner_size(LogicalSize::new(420.0, 760.0))
        .with_min_inner_size(LogicalSize::new(360.0, 480.0));
    dioxus::LaunchBuilder::desktop()
        .with_cfg(Config::new().with_window(window).with_menu(None))
        .with_context(boot)
        .launch(crate::App);
}

/// Tells WebKit (unless the user already said, `=0` to keep it) to render the page without
/// accelerated compositing. Without a GPU (a VM, Xvfb) it composites through Mesa's software
/// GL, and while scanning that took the web process from 190 MB to 275 MB RSS at the same
/// 30 fps preview; this page has nothing (3D, CSS animations, video) that needs it.
///
/// It must be set before WebKit starts its processes (they read it when they start), and
/// before this process has threads, since `set_var` races with readers of the environment
/// on other threads.
fn render_without_gl() {
    const COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    if cfg!(target_os = "linux") && std::env::var_os(COMPOSITING).is_none() {
        std::env::set_var(COMPOSITING, "1");
    }
}
