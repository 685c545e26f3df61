//! The database: one `sqlx::Any` pool over SQLite (the embedded default) or PostgreSQL
//! (scale-out), with a migration folder per backend.
//!
//! The queries are written once, in the subset of SQL both backends share (`$n` placeholders,
//! `ON CONFLICT … DO NOTHING`, `RETURNING`), and every value is one of the types the `Any`
//! driver carries the same way on both: text, 64-bit integers (times are Unix milliseconds,
//! flags are 0/1) and bytes. That is what lets one test suite vouch for both.

use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};
use time::OffsetDateTime;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine a URL points at.
///
/// Both variants exist in every build, so that a URL of a backend this build left out is
/// recognised and refused by name ([`DbError::NotBuiltIn`]) rather than called unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite (`sqlite://PATH`): the embedded default; needs the `sqlite` feature.
    Sqlite,
    /// PostgreSQL (`postgres://…`): for scale-out; needs the `postgres` feature.
    Postgres,
}

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL names no database engine Bindery knows.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    /// The URL names an engine this build of bindery-cloud was compiled without. (The URL is
    /// not repeated: it may carry a password.)
    #[error("this build of bindery-cloud has no {backend} support (it was built without the `{feature}` feature)")]
    NotBuiltIn {
        /// The engine's name.
        backend: &'static str,
        /// The cargo feature that adds it.
        feature: &'static str,
    },
    /// The server did not answer, or refused the connection.
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    /// The key that seals label archives could not be had.
    #[error("{0}")]
    ArchiveKey(#[from] crate::seal::SealError),
    /// A migration failed.
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed while opening (reading the server secret).
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
}

impl Backend {
    /// The backend a database URL names, if this build has it.
    pub fn of_url(url: &str) -> Result<Backend, DbError> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(DbError::UnsupportedUrl(url.to_owned()));
        };
        if backend.is_built_in() {
            Ok(backend)
        } else {
            Err(DbError::NotBuiltIn {
                backend: backend.name(),
                feature: backend.feature(),
            })
        }
    }

    /// The engine's name, as people write it.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    /// The cargo feature of this crate that adds the engine.
    pub fn feature(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// Whether this build can open databases of this engine.
    pub fn is_built_in(self) -> bool {
        match self {
            Backend::Sqlite => cfg!(feature = "sqlite"),
            Backend::Postgres => cfg!(feature = "postgres"),
        }
    }
}

/// `count` placeholders for an `IN (…)` list or VALUES rows whose parameters are all bound in
/// order: `$first, $first+1, …` on PostgreSQL, plain `?` on SQLite. SQLite looks a numbered
/// parameter up by walking a list, which makes a statement with thousands of `$n` quadratic.
pub(crate) fn placeholders(backend: Backend, first: usize, count: usize) -> String {
    match backend {
        Backend::Sqlite => vec!["?"; count].join(", "),
        Backend::Postgres => (first..first + count)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// `rows` parenthesised rows of `columns` placeholders each, for a multi-row `VALUES`.
pub(crate) fn values_rows(backend: Backend, rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|i| format!("({})", placeholders(backend, i * columns + 1, columns)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The URL of a SQLite file, created if missing.
pub fn sqlite_url(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// The file a `sqlite:` URL names, if it names one (not `:memory:`).
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let path = rest.trim_start_matches("//").split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// Creates `path` readable and writable by its owner only; fails if it exists.
pub fn create_private_file(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Creates the SQLite file of `url` readable by its owner only, if it does not exist yet: it
/// holds password hashes and the bind-code key, and SQLite gives its journal files the same
/// mode. An existing file keeps the mode its owner gave it.
fn create_private_database(url: &str) {
    if let Some(path) = sqlite_path(url).filter(|p| !p.exists()) {
        // Another process may have made it first, or the folder may be missing: either way
        // SQLite's own open says what is wrong better than this could.
        let _ = create_private_file(&path);
    }
}

/// Opens the pool and brings the schema up to date.
pub async fn connect(url: &str, max_connections: u32) -> Result<(AnyPool, Backend), DbError> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url)?;
    let url = match backend {
        // Without `mode=rwc` SQLite refuses to create the file on first start.
        Backend::Sqlite if !url.contains("mode=") => {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}mode=rwc")
        }
        _ => url.to_owned(),
    };
    if backend == Backend::Sqlite {
        create_private_database(&url);
    }
    let options: AnyConnectOptions = url.parse().map_err(DbError::Connect)?;
    let pool = AnyPoolOptions::new()
        .max_connections(max_connections)
        // Past this a request answers `unavailable` (503, retry) instead of waiting on, say, a
        // long import holding SQLite's one writer. (10 s was tried: a sandbox reopened while
        // the machine ran the whole test suite then sometimes failed to open at all.)
        .acquire_timeout(Duration::from_secs(30))
        // A SQLite connection lives in this process and cannot drop; pinging it before each
        // use was one extra round trip to its worker thread per query (a third of a bind's).
        .test_before_acquire(backend != Backend::Sqlite)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // WAL lets readers run beside the one writer; the busy timeout makes
                    // concurrent writers queue instead of failing; NORMAL sync is durable
                    // across process crashes (the SIGKILL guarantee) in WAL mode.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(DbError::Connect)?;
    let migrator = match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    };
    migrator.run(&pool).await?;
    Ok((pool, backend))
}

/// The server secret that keys bind-code hashes: the configured one, else the one stored in
/// the database, else a fresh one stored there — so every process on one database agrees.
pub async fn server_secret(pool: &AnyPool, configured: Option<&str>) -> Result<Vec<u8>, DbError> {
    if let Some(secret) = configured {
        return Ok(secret.as_bytes().to_vec());
    }
    let mut fresh = [0u8; 32];
    getrandom::fill(&mut fresh)
        .map_err(|e| DbError::Query(sqlx::Error::Protocol(e.to_string())))?;
    // Two processes starting at once both try; the first insert wins and both read it back.
    sqlx::query(
        "INSERT INTO settings (name, value) VALUES ('bind_code_secret', $1) ON CONFLICT (name) DO NOTHING",
    )
    .bind(fresh.to_vec())
    .execute(pool)
    .await?;
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT value FROM settings WHERE name = 'bind_code_secret'")
            .fetch_one(pool)
            .await?;
    Ok(stored)
}

/// Keeps what carrying a label archive (tens of MB) grew on `conn` out of the pool. A
/// PostgreSQL connection keeps its read buffer at the size of the largest message it has read
/// (sqlx's `shrink_buffers` gives back the write buffer, not that one), so every pooled
/// connection that had carried an archive held that much for good: 16 of them could hold
/// 400 MB. Such a connection is closed instead of returned, and the pool opens a fresh one
/// when it needs one. SQLite's connections keep no such buffer and stay.
pub fn retire_after_archive(conn: &mut sqlx::pool::PoolConnection<sqlx::Any>, backend: Backend) {
    if backend == Backend::Postgres {
        conn.close_on_drop();
    }
}

/// The condition that the device row `alias` is live: not a row of an import still being
/// written in chunks (SQLite's staged imports; `migrations/sqlite/0009_staged_imports.sql`).
/// Every read that shows, binds or counts devices has it; the import's own checks and the
/// unique indexes do not, since a staged row already holds its SN and DeviceKey.
pub fn live(alias: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM import_pending ip WHERE ip.import_id = {alias}.pending_import)"
    )
}

/// The update that puts a batch SN a staged import activated back as its batch made it: no
/// DeviceKey, nothing imported (the caller adds which rows). Rows an import creates never
/// have a batch, so `batch_id` tells the two apart.
pub const RESTORE_ACTIVATED: &str = "UPDATE devices SET device_key = NULL, \
     device_name = NULL, fingerprint = NULL, label_hash = NULL, passcode_hash = NULL, \
     imported_at = NULL, pending_import = NULL";

/// Undoes what imports cut short by the end of the process left behind: their staged rows
/// (never visible; the batch SNs they activated put back, the devices they created removed)
/// and their `import_pending` entries. Run at start, before serving. Returns how many
/// devices were removed.
pub async fn drop_unfinished_imports(writer: &AnyPool) -> Result<u64, sqlx::Error> {
    let mut tx = writer.begin().await?;
    // Nearly every start has nothing to undo; the two statements below each scan the whole
    // device table (`pending_import` has no index), which a start need not pay for then.
    let unfinished: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM import_pending")
        .fetch_one(&mut *tx)
        .await?;
    if unfinished == 0 {
        return Ok(0);
    }
    sqlx::query(&format!(
        "{RESTORE_ACTIVATED} WHERE pending_import IN (SELECT import_id FROM import_pending) \
         AND batch_id IS NOT NULL"
    ))
    .execute(&mut *tx)
    .await?;
    let removed = sqlx::query(
        "DELETE FROM devices WHERE pending_import IN (SELECT import_id FROM import_pending)",
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query("DELETE FROM import_pending")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(removed)
}

/// Now, in the Unix milliseconds the tables store.
pub fn now_ms() -> i64 {
    to_ms(OffsetDateTime::now_utc())
}

/// A time as Unix milliseconds.
pub fn to_ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Unix milliseconds as a time (out-of-range values clamp to the epoch).
pub fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Whether an error is a unique-constraint violation (the race arbiter of binds and imports).
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// `n` random bytes as lower-case hex, from the OS CSPRNG.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    hex::encode(bytes)
}

/// SHA-256 of a bearer secret (session tokens, API keys): what the tables store.
pub fn secret_hash(secret: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(secret.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_per_backend() {
        assert_eq!(placeholders(Backend::Postgres, 3, 3), "$3, $4, $5");
        assert_eq!(placeholders(Backend::Sqlite, 3, 3), "?, ?, ?");
        assert_eq!(values_rows(Backend::Postgres, 2, 2), "($1, $2), ($3, $4)");
    }

    #[test]
    fn unknown_urls_are_refused() {
        assert!(matches!(
            Backend::of_url("mysql://x"),
            Err(DbError::UnsupportedUrl(_))
        ));
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn postgres_urls_name_postgres() {
        assert_eq!(
            Backend::of_url("postgres://h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::of_url("postgresql://h/db").unwrap(),
            Backend::Postgres
        );
    }

    #[cfg(not(feature = "postgres"))]
    #[test]
    fn postgres_urls_are_refused_by_a_build_without_postgres() {
        let error = Backend::of_url("postgres://h/db").unwrap_err();
        assert!(
            matches!(
                &error,
                DbError::NotBuiltIn {
                    backend: "PostgreSQL",
                    feature: "postgres",
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(
            error.to_string().contains("has no PostgreSQL support"),
            "{error}"
        );
    }

    #[cfg(not(feature = "sqlite"))]
    #[test]
    fn sqlite_urls_are_refused_by_a_build_without_sqlite() {
        let error = Backend::of_url("sqlite://x").unwrap_err();
        assert!(
            matches!(
                error,
                DbError::NotBuiltIn {
                    feature: "sqlite",
                    ..
                }
            ),
            "{error:?}"
        );
    }
}
