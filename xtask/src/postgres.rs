//! A throwaway PostgreSQL cluster for the cloud's PostgreSQL suite: `initdb` in a temporary
//! directory, `pg_ctl start` on a free loopback port, stopped and deleted on drop — so the
//! suite never touches a server the machine already runs.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
};

use crate::shell::{self, Failure};

pub struct Cluster {
    dir: PathBuf,
    port: u16,
    bin: PathBuf,
    /// initdb refuses to run as root; then the cluster runs as the `postgres` user.
    as_user: Option<&'static str>,
}

impl Cluster {
    pub fn start() -> Result<Self, Failure> {
        let bin = find_bin_dir()?;
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!("bindery-pg-{}-{port}", std::process::id()));
        let as_user = (shell::user_id() == Some(0)).then_some("postgres");
        std::fs::create_dir_all(&dir).map_err(|e| Failure::Io(dir.clone(), e))?;
        let cluster = Cluster {
            dir,
            port,
            bin,
            as_user,
        };
        if let Some(user) = as_user {
            cluster.run("chown", &["-R", user, cluster.dir_str()], false)?;
        }
        let data = cluster.dir.join("data");
        let data = data.to_str().expect("UTF-8 temp path").to_owned();
        let initdb = cluster.bin.join("initdb");
        cluster.run(
            initdb.to_str().expect("UTF-8"),
            &[
                "-D",
                &data,
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
            true,
        )?;
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c max_connections=300",
            cluster.dir_str()
        );
        let log = cluster.dir.join("server.log");
        let pg_ctl = cluster.bin.join("pg_ctl");
        cluster.run(
            pg_ctl.to_str().expect("UTF-8"),
            &[
                "-D",
                &data,
                "-o",
                &options,
                "-l",
                log.to_str().expect("UTF-8"),
                "-w",
                "start",
            ],
            true,
        )?;
        eprintln!(
            "PostgreSQL on 127.0.0.1:{port} (data in {})",
            cluster.dir.display()
        );
        Ok(cluster)
    }

    /// A URL of the server's admin database; tests create their own databases on it.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn dir_str(&self) -> &str {
        self.dir.to_str().expect("UTF-8 temp path")
    }

    fn run(&self, program: &str, args: &[&str], as_db_user: bool) -> Result<(), Failure> {
        match self.as_user.filter(|_| as_db_user) {
            Some(user) => {
                let mut full = vec!["-u", user, "--", program];
                full.extend_from_slice(args);
                shell::run_in(&self.dir, "runuser", &full, &[])
            }
            None => shell::run_in(&self.dir, program, args, &[]),
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let pg_ctl = self.bin.join("pg_ctl");
        let _ = self.run(
            pg_ctl.to_str().expect("UTF-8"),
            &[
                "-D",
                data.to_str().expect("UTF-8"),
                "-m",
                "immediate",
                "-w",
                // Silent: the test runner's summary must stay the last line of the run.
                "-s",
                "stop",
            ],
            true,
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Debian puts the server binaries in /usr/lib/postgresql/<major>/bin; take the newest.
fn find_bin_dir() -> Result<PathBuf, Failure> {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .map_err(|e| Failure::Io(root.to_path_buf(), e))?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let major = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((major, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| Failure::Needs(format!("no PostgreSQL server under {}", root.display())))
}

fn free_port() -> Result<u16, Failure> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Failure::Io(PathBuf::from("127.0.0.1:0"), e))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| Failure::Io(PathBuf::from("127.0.0.1:0"), e))
}
