//! A throwaway PostgreSQL cluster for the tests, and one fresh database per test.
//!
//! The suite itself only reads `BINDERY_TEST_PG_URL` (an admin-capable server URL such as
//! `postgres://postgres@127.0.0.1:55432/postgres`). [`PgCluster::start`] is the reusable
//! piece that makes such a server: `initdb` + `pg_ctl start` in a temporary directory on a
//! free port, run as an unprivileged user when we are root (initdb refuses root), stopped
//! on drop. `cargo xtask test` does the same with shell commands.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use sqlx::{Connection, Executor, PgConnection};

/// Where Debian's PostgreSQL 15 binaries are.
pub const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// A running throwaway cluster; stopped (and its directory removed) on drop.
pub struct PgCluster {
    pub dir: PathBuf,
    pub port: u16,
    run_as: Option<String>,
}

impl PgCluster {
    /// The admin URL tests take as `BINDERY_TEST_PG_URL`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts a cluster in a fresh temporary directory. When running as root, `run_as` names
    /// the unprivileged user that owns the cluster (created beforehand, e.g. `useradd -m pgtest`).
    pub fn start(run_as: Option<&str>) -> std::io::Result<PgCluster> {
        let dir = std::env::temp_dir().join(format!("bindery-pg-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let cluster = PgCluster {
            dir: dir.clone(),
            port,
            run_as: run_as.map(str::to_owned),
        };
        if let Some(user) = run_as {
            run(Command::new("chown").arg(user).arg(&dir))?;
        }
        let data = dir.join("data");
        cluster.pg(
            "initdb",
            &[
                "-D",
                &data.to_string_lossy(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
        )?;
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k /tmp -c fsync=off -c max_connections=300"
        );
        cluster.pg(
            "pg_ctl",
            &[
                "-D",
                &data.to_string_lossy(),
                "-l",
                &dir.join("log").to_string_lossy(),
                "-w",
                "-o",
                &options,
                "start",
            ],
        )?;
        Ok(cluster)
    }

    fn pg(&self, tool: &str, args: &[&str]) -> std::io::Result<()> {
        let bin = Path::new(PG_BIN).join(tool);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(bin);
                c
            }
            None => Command::new(bin),
        };
        command.args(args);
        run(&mut command)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self.pg(
            "pg_ctl",
            &["-D", &data.to_string_lossy(), "-m", "immediate", "stop"],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(command: &mut Command) -> std::io::Result<()> {
    let output = command.output()?;
    if output.status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )))
    }
}

/// The admin URL from `BINDERY_TEST_PG_URL`; `None` (after saying so) when it is unset,
/// unless `BINDERY_REQUIRE_PG=1`, which makes that a failure.
pub fn admin_url() -> Option<String> {
    match std::env::var("BINDERY_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("BINDERY_REQUIRE_PG").as_deref() == Ok("1") {
                panic!("BINDERY_REQUIRE_PG=1 but BINDERY_TEST_PG_URL is not set: run `cargo xtask test`");
            }
            eprintln!("skipped: run `cargo xtask test`");
            None
        }
    }
}

/// Creates a fresh, empty database on the server and returns its URL.
pub async fn fresh_database(admin_url: &str) -> String {
    let name = format!("bindery_test_{}", bindery_cloud::db::random_hex(8));
    let mut admin = PgConnection::connect(admin_url)
        .await
        .expect("connect to BINDERY_TEST_PG_URL");
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create the test database");
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let server = base.rsplit_once('/').map_or(base, |(s, _)| s);
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}
