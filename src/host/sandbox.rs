//! The sandbox: an embedded bindery-cloud on 127.0.0.1 with SQLite in the data directory, a
//! demo product and a batch of demo labels written as PNGs to `<data dir>/sandbox-labels/`,
//! so a new user can try the whole flow with nothing else installed. `labels.csv` next to
//! them holds each label's text, for typing or pasting it into "Enter code".
//!
//! Decision: the cloud runs on its own tokio runtime on its own threads, so it neither
//! depends on nor competes with the window's event loop, and a reset (stop, delete the
//! database, start, print new labels) happens off the UI's runtime.

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use bindery_cloud::developer::import::{import_file, ImportMode};
use bindery_cloud::developer::{self, batches, products};
use bindery_cloud::{AppState, StateConfig};
use bindery_core::api::CreateProduct;
use tokio::sync::oneshot;

/// The demo product's name, as Confirm and Home show it for a demo device.
pub const DEMO_PRODUCT_NAME: &str = "Bindery demo plug";
/// The demo product's key, which every demo label carries.
pub const DEMO_PRODUCT_KEY: &str = "bdemo1";
/// How many demo labels the sandbox prints.
pub const DEMO_LABELS: u32 = 8;

/// A running sandbox cloud.
pub struct Sandbox {
    data_dir: PathBuf,
    running: Mutex<Running>,
}

struct Running {
    url: String,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Why the sandbox could not start (or start again after a reset).
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// A file or folder of the sandbox could not be created, written or deleted.
    #[error("cannot use the data directory {path}: {source}")]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The database could not be opened or filled with the demo product.
    #[error("the sandbox database failed: {0}")]
    Database(String),
    /// The demo labels could not be printed.
    #[error("the sandbox could not print its demo labels: {0}")]
    Labels(String),
    /// The cloud could not listen on 127.0.0.1.
    #[error("the sandbox cloud could not listen on 127.0.0.1: {0}")]
    Listen(std::io::Error),
    /// The cloud's thread or its runtime could not start, or the thread ended before the
    /// cloud was ready (the system is out of threads or memory).
    #[error("the sandbox cloud could not start: {0}")]
    Start(String),
}

impl Sandbox {
    /// Starts the sandbox with its files in `data_dir` (created if missing). A first start
    /// creates the demo product and prints the demo labels.
    pub fn start(data_dir: &Path) -> Result<Sandbox, SandboxError> {
        let running = launch(data_dir, None)?;
        Ok(Sandbox {
            data_dir: data_dir.to_owned(),
            running: Mutex::new(running),
        })
    }

    /// The cloud's address (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        self.running.lock().expect("not poisoned").url.clone()
    }

    /// Where the demo label PNGs are.
    pub fn labels_dir(&self) -> PathBuf {
        labels_dir(&self.data_dir)
    }

    /// The demo label images, in name order.
    pub fn labels(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.labels_dir())
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("png")))
            .collect();
        files.sort();
        files
    }

    /// Stops the cloud, deletes its database and labels, and starts a fresh one (on the same
    /// port when it is still free).
    pub fn reset(&self) -> Result<String, SandboxError> {
        let mut running = self.running.lock().expect("not poisoned");
        running.stop();
        for name in ["cloud.sqlite3", "cloud.sqlite3-wal", "cloud.sqlite3-shm"] {
            let path = db_dir(&self.data_dir).join(name);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(SandboxError::Io { path, source }),
            }
        }
        let labels = labels_dir(&self.data_dir);
        if labels.exists() {
            std::fs::remove_dir_all(&labels).map_err(|source| SandboxError::Io {
                path: labels.clone(),
                source,
            })?;
        }
        *running = launch(&self.data_dir, Some(running.addr))?;
        Ok(running.url.clone())
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Ok(mut running) = self.running.lock() {
            running.stop();
        }
    }
}

impl Running {
    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn db_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("sandbox")
}

fn labels_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("sandbox-labels")
}

/// Opens (or creates) the database, seeds it on first use, and serves it on a thread of its
/// own. Tries `prefer` first so a reset keeps the address the app already uses.
fn launch(data_dir: &Path, prefer: Option<SocketAddr>) -> Result<Running, SandboxError> {
    let dir = db_dir(data_dir);
    std::fs::create_dir_all(&dir).map_err(|source| SandboxError::Io {
        path: dir.clone(),
        source,
    })?;
    let url = bindery_cloud::db::sqlite_url(&dir.join("cloud.sqlite3"));
    let labels = labels_dir(data_dir);
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<SocketAddr, SandboxError>>();
    let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("sandbox-cloud".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("sandbox-cloud")
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(SandboxError::Start(e.to_string())));
                    return;
                }
            };
            runtime.block_on(async move {
                let state = match open_and_seed(&url, &labels).await {
                    Ok(state) => state,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let listener = match bind(prefer).await {
                    Ok(l) => l,
                    Err(e) => {
                        let _ = ready_tx.send(Err(SandboxError::Listen(e)));
                        return;
                    }
                };
                let addr = match listener.local_addr() {
                    Ok(a) => a,
                    Err(e) => {
                        let _ = ready_tx.send(Err(SandboxError::Listen(e)));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(addr));
                tracing::info!(%addr, "sandbox cloud listening");
                let shutdown = async {
                    let _ = shutdown_rx.await;
                };
                let pools = state.clone();
                if let Err(e) = bindery_cloud::run(listener, state, shutdown).await {
                    tracing::error!(error = %e, "sandbox cloud stopped");
                }
                // Closed before the thread ends, not left to the pools' drop: SQLite's last
                // connection to close checkpoints the database and deletes its -wal and -shm
                // files by name, and after a reset those names belong to the new database.
                // Dropped connections close later, each on its own thread; a reset under
                // load once saw the new cloud's pool time out, which this race explains.
                pools.writer.close().await;
                pools.db.close().await;
            });
        })
        .map_err(|e| SandboxError::Start(e.to_string()))?;
    let addr = ready_rx
        .recv()
        .map_err(|_| SandboxError::Start("its thread ended early".into()))??;
    Ok(Running {
        url: format!("http://{addr}"),
        addr,
        shutdown: Some(shutdown_tx),
        thread: Some(thread),
    })
}

async fn bind(prefer: Option<SocketAddr>) -> std::io::Result<tokio::net::TcpListener> {
    if let Some(addr) = prefer {
        if let Ok(listener) = tokio::net::TcpListener::bind(addr).await {
            return Ok(listener);
        }
    }
    tokio::net::TcpListener::bind("127.0.0.1:0").await
}

async fn open_and_seed(db_url: &str, labels: &Path) -> Result<AppState, SandboxError> {
    let db = |e: &dyn std::fmt::Display| SandboxError::Database(e.to_string());
    let mut config = StateConfig::new(db_url);
    // One user on this computer: a few readers are plenty, and each is a thread and a cache.
    config.max_connections = 4;
    let state = AppState::open(config).await.map_err(|e| db(&e))?;
    if developer::product(&state, DEMO_PRODUCT_KEY).await.is_ok() {
        return Ok(state);
    }
    let key = developer::create_api_key(&state, "sandbox", false)
        .await
        .map_err(|e| db(&format!("{e:?}")))?;
    let product = products::create_product(
        &state,
        Some(&key.key_id),
        CreateProduct {
            name: DEMO_PRODUCT_NAME.to_owned(),
            product_key: Some(DEMO_PRODUCT_KEY.to_owned()),
            bind_policy: None,
            label_form: None,
        },
    )
    .await
    .map_err(|e| db(&format!("{e:?}")))?;
    let (_batch, archive) =
        batches::create_batch(&state, &product.product_key, DEMO_LABELS, |_| {})
            .await
            .map_err(|e| db(&format!("{e:?}")))?;
    let sns = write_labels(&archive, labels)?;
    // Activate every demo SN (a maker imports the DeviceKeys; here, made-up MACs).
    let mut csv = format!("{}\n", bindery_core::api::IMPORT_TEMPLATE_HEADER.join(","));
    for (i, sn) in sns.iter().enumerate() {
        csv.push_str(&format!(
            "02:b1:0d:00:00:{:02x},{},{sn},,\n",
            i + 1,
            product.product_key
        ));
    }
    let report = import_file(&state, &product.product_key, csv, ImportMode::Atomic)
        .await
        .map_err(|e| db(&format!("{e:?}")))?;
    if !report.rejected.is_empty() {
        return Err(db(&format!("demo import refused: {:?}", report.rejected)));
    }
    Ok(state)
}

/// Writes `qr/<SN>.png` of a batch archive to `dir/<SN>.png`; returns the SNs.
fn write_labels(archive: &[u8], dir: &Path) -> Result<Vec<String>, SandboxError> {
    let io = |path: &Path, source: std::io::Error| SandboxError::Io {
        path: path.to_owned(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive))
        .map_err(|e| SandboxError::Labels(e.to_string()))?;
    let mut sns = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| SandboxError::Labels(e.to_string()))?;
        let name = entry.name().to_owned();
        // The label texts, for QA typing or pasting them into "Enter code".
        if name == "sn_list.csv" {
            let mut csv = Vec::new();
            entry.read_to_end(&mut csv).map_err(|e| io(dir, e))?;
            let path = dir.join("labels.csv");
            std::fs::write(&path, csv).map_err(|e| io(&path, e))?;
            continue;
        }
        let Some(file) = name.strip_prefix("qr/") else {
            continue;
        };
        let mut png = Vec::new();
        entry.read_to_end(&mut png).map_err(|e| io(dir, e))?;
        let path = dir.join(file);
        std::fs::write(&path, png).map_err(|e| io(&path, e))?;
        if let Some(sn) = file.strip_suffix(".png") {
            sns.push(sn.to_owned());
        }
    }
    Ok(sns)
}
