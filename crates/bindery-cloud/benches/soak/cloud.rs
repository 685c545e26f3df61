//! The server under test: one `bindery-cloud serve` process at a time on one database and one
//! port, killed with SIGKILL and started again in the middle of the run.
//!
//! Each start is an *incarnation*. Its peak resident memory is the kernel's high-water mark
//! (`VmHWM` in `/proc/<pid>/status`), which can only be read while the process exists, so it
//! is read just before every kill and sampled while it runs. Every incarnation gets the same
//! bind-code secret and archive key, as a deployment restarted by its supervisor would: a
//! restart must not make earlier labels unbindable or earlier archives unreadable.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::server_process::{free_port, ServeOptions, Served, BIN};
use crate::Backend;

/// One process's life.
#[derive(Debug, Clone)]
pub struct Incarnation {
    /// Its process id.
    pub pid: u32,
    /// Highest `VmHWM` read, in KiB (`None` if it could never be read).
    pub peak_rss_kib: Option<u64>,
    /// How it ended: `None` while running, else what stopped it.
    pub end: Option<End>,
    /// Its log file.
    pub log: PathBuf,
}

/// How an incarnation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// The soak killed it on purpose (SIGKILL).
    Killed,
    /// It exited by itself: a crash, an abort or an out-of-memory kill.
    Died(String),
    /// The run was over.
    Stopped,
}

/// The server under test and its incarnations.
pub struct Cloud {
    /// The database every incarnation serves.
    pub database_url: String,
    /// `http://127.0.0.1:<port>`, the same for every incarnation.
    pub base: String,
    /// The database's kind.
    pub backend: Backend,
    options: ServeOptions,
    logs: PathBuf,
    served: Option<Served>,
    /// Every process started so far, the current one last.
    pub incarnations: Vec<Incarnation>,
}

impl Cloud {
    /// Starts the first incarnation on `database_url`, with `extra_env` on top of the soak's
    /// own settings.
    pub async fn start(
        database_url: &str,
        logs: &Path,
        backend: Backend,
        extra_env: &[(String, String)],
    ) -> Cloud {
        let secret = bindery_cloud::db::random_hex(32);
        let archive_key = bindery_cloud::db::random_hex(32);
        let port = free_port();
        let mut options = ServeOptions {
            port: Some(port),
            env: vec![
                ("BINDERY_SECRET".into(), secret),
                ("BINDERY_ARCHIVE_KEY".into(), archive_key),
                // The real sign-up limit (the harness raises it for the tests): the flood
                // must meet it.
                ("BINDERY_SIGNUPS_PER_ADDRESS".into(), "30".into()),
                // Warnings and errors, and the import's own line (info) to compare timings.
                (
                    "RUST_LOG".into(),
                    "warn,bindery_cloud::developer::import=info".into(),
                ),
            ],
            log: None,
        };
        options.env.extend(extra_env.iter().cloned());
        let mut cloud = Cloud {
            database_url: database_url.to_owned(),
            base: format!("http://127.0.0.1:{port}"),
            backend,
            options,
            logs: logs.to_owned(),
            served: None,
            incarnations: Vec::new(),
        };
        cloud.spawn().await;
        cloud
    }

    /// Starts the next incarnation and waits until it answers `/healthz`.
    async fn spawn(&mut self) {
        let log = self.logs.join(format!(
            "{}-serve-{}.log",
            self.backend.name().to_lowercase(),
            self.incarnations.len() + 1
        ));
        let mut options = self.options.clone();
        options.log = Some(log.clone());
        let served = Served::start_with(&self.database_url, &options).await;
        assert_eq!(served.base, self.base, "a restart keeps the port");
        self.incarnations.push(Incarnation {
            pid: served.child.id(),
            peak_rss_kib: None,
            end: None,
            log,
        });
        self.served = Some(served);
    }

    /// Runs a one-shot `bindery-cloud` command on the same database, secret and archive key
    /// as the server; its standard output.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = std::process::Command::new(BIN)
            .args(args)
            .env("BINDERY_DATABASE_URL", &self.database_url)
            .envs(self.options.env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("run bindery-cloud");
        assert!(
            out.status.success(),
            "bindery-cloud {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    /// Reads the current incarnation's `VmHWM` into its peak, and notices if it exited by
    /// itself (then it is started again, so the run goes on, and the death is reported).
    pub async fn sample(&mut self) {
        let Some(served) = self.served.as_mut() else {
            return;
        };
        let current = self.incarnations.last_mut().expect("an incarnation");
        if let Some(kib) = vm_hwm_kib(current.pid) {
            current.peak_rss_kib = current.peak_rss_kib.max(Some(kib));
        }
        if let Ok(Some(status)) = served.child.try_wait() {
            tracing::error!(pid = current.pid, %status, "the server exited by itself");
            current.end = Some(End::Died(status.to_string()));
            self.served = None;
            self.spawn().await;
        }
    }

    /// Kills the current incarnation with SIGKILL and starts the next on the same database
    /// and port. Returns when the kill was sent and when the new one answered.
    pub async fn kill_and_restart(&mut self) -> (Instant, Instant) {
        self.sample().await;
        let mut served = self.served.take().expect("a running server");
        let killed_at = Instant::now();
        // `Child::kill` is SIGKILL on Unix: no shutdown code runs.
        served.child.kill().expect("SIGKILL the server");
        let _ = served.child.wait();
        drop(served);
        if let Some(current) = self.incarnations.last_mut() {
            current.end = Some(End::Killed);
        }
        self.spawn().await;
        (killed_at, Instant::now())
    }

    /// Ends the run: the last peak is read, then the process is killed.
    pub async fn stop(&mut self) {
        self.sample().await;
        if let Some(mut served) = self.served.take() {
            let _ = served.child.kill();
            let _ = served.child.wait();
            if let Some(current) = self.incarnations.last_mut() {
                current.end = Some(End::Stopped);
            }
        }
    }
}

/// A process's peak resident set size so far (`VmHWM`), in KiB.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// How often the peak is sampled while a process runs.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(250);
