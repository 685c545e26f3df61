//! What every handler shares: the database pool, the bind-code secret and the limits.
//!
//! Nothing here is per-process state that would break scale-out: counters and sessions live in
//! the database; this is only configuration and a connection pool.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyPool;

use crate::bind_writer::BindWriter;
use crate::connections::ConnectionLimits;
use crate::db::{self, Backend, DbError};
use crate::links::AppLinks;
use crate::seal::{self, ArchiveKey};
use crate::throttle::{ArchiveGate, HashGate};

/// Tunable limits. The defaults are the production values; tests use them too.
#[derive(Debug, Clone)]
pub struct Limits {
    /// How long a session token stays valid.
    pub session_ttl: Duration,
    /// Failed sign-ins per email from one client address within `login_window` before
    /// `rate_limited`: per email *and* address, so failures from elsewhere cannot lock the
    /// owner out.
    pub login_failures_per_email: i64,
    /// Failed sign-ins per email from all addresses together within `login_window`: the cap
    /// on guessing one password from many addresses.
    pub login_failures_per_email_anywhere: i64,
    /// Failed sign-ins per client address within `login_window`.
    pub login_failures_per_address: i64,
    /// The window of the sign-in limits.
    pub login_window: Duration,
    /// Failed binds per account within `bind_window`.
    pub bind_failures_per_account: i64,
    /// Failed binds per account within `bind_window` on `sn_only` products (whose labels
    /// carry no secret, so guessing SNs must be slower).
    pub sn_only_failures_per_account: i64,
    /// Failed binds per client address within `bind_window`.
    pub bind_failures_per_address: i64,
    /// The window of the bind limits.
    pub bind_window: Duration,
    /// Labels inspected per account within `bind_window`.
    pub inspects_per_account: i64,
    /// Labels inspected per client address within `bind_window`.
    pub inspects_per_address: i64,
    /// Inspects and binds of `sn_only` devices that were not already the account's, within
    /// `bind_window`: their labels carry no secret, so every look counts, not only failures.
    pub sn_only_looks_per_account: i64,
    /// Sign-ups per client address within `signup_window`.
    pub signups_per_address: i64,
    /// The window of the sign-up limit.
    pub signup_window: Duration,
    /// Password hashes (argon2id, 19 MiB each) running at once.
    pub concurrent_password_hashes: usize,
    /// Requests queued for a password hash; past them, `unavailable`.
    pub queued_password_hashes: usize,
    /// Label archives being made or read back at once (each holds a batch's labels, up to
    /// tens of MB, several times over); further ones wait, then get `unavailable`.
    pub archives_at_once: usize,
    /// Largest JSON body.
    pub json_body_bytes: usize,
    /// Largest import file.
    pub import_body_bytes: usize,
    /// Longest a request may take.
    pub request_timeout: Duration,
    /// What an XLSX import file may unpack to.
    pub xlsx: XlsxLimits,
    /// How many connections are held and how long a quiet client is waited for.
    pub connections: ConnectionLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            login_failures_per_email: 10,
            login_failures_per_email_anywhere: 100,
            login_failures_per_address: 100,
            login_window: Duration::from_secs(15 * 60),
            bind_failures_per_account: 10,
            sn_only_failures_per_account: 5,
            bind_failures_per_address: 100,
            bind_window: Duration::from_secs(10 * 60),
            inspects_per_account: 120,
            inspects_per_address: 600,
            sn_only_looks_per_account: 20,
            signups_per_address: 30,
            signup_window: Duration::from_secs(10 * 60),
            concurrent_password_hashes: std::thread::available_parallelism()
                .map_or(2, |n| n.get().min(8)),
            queued_password_hashes: 64,
            archives_at_once: 2,
            json_body_bytes: 64 * 1024,
            import_body_bytes: 256 * 1024 * 1024,
            request_timeout: Duration::from_secs(120),
            xlsx: XlsxLimits::default(),
            connections: ConnectionLimits::default(),
        }
    }
}

/// Limits of one XLSX file. The defaults fit Excel's own sheet size (1,048,576 rows) with a
/// template's short cells, and refuse anything shaped like an attack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XlsxLimits {
    /// Unpacked bytes of the sheet's XML.
    pub sheet_bytes: u64,
    /// Unpacked bytes of the shared-strings XML.
    pub shared_strings_bytes: u64,
    /// Shared strings kept.
    pub shared_strings: usize,
    /// Unpacked bytes of the workbook and its relationships (small in any real file).
    pub small_part_bytes: u64,
    /// Longest run of XML between two `<`: one text or one tag. Bounds the parser's buffer.
    pub xml_item_bytes: usize,
    /// Rows present in the sheet (blank ones included).
    pub rows: u64,
    /// Columns read; a non-empty cell further right refuses the file.
    pub columns: usize,
    /// Bytes of text in one cell or shared string (the longest template column, the
    /// fingerprint, takes 256 characters).
    pub cell_bytes: usize,
}

impl Default for XlsxLimits {
    fn default() -> Self {
        XlsxLimits {
            sheet_bytes: 1 << 30,
            shared_strings_bytes: 256 << 20,
            shared_strings: 4 << 20,
            small_part_bytes: 1 << 20,
            xml_item_bytes: 64 << 10,
            rows: 1_048_576,
            columns: 64,
            cell_bytes: 4096,
        }
    }
}

/// How to open the service's state.
#[derive(Debug, Clone)]
pub struct StateConfig {
    /// `sqlite://PATH` or `postgres://…` (see [`db::sqlite_url`]).
    pub database_url: String,
    /// The bind-code HMAC key; `None` means the one stored in the database.
    pub secret: Option<String>,
    /// Connections of the read pool (and, on PostgreSQL, of all queries).
    pub max_connections: u32,
    /// Rate limits, body limits and timeouts.
    pub limits: Limits,
    /// A built web app (`cargo xtask web`) to serve at `/app/`, next to the API it talks to.
    pub web_root: Option<PathBuf>,
    /// npm's `swagger-ui-dist` folder, for the interactive API reference at `/doc/`.
    pub doc_ui: Option<PathBuf>,
    /// The key label archives are sealed with, as 64 hex digits; `None` means the key file.
    pub archive_key: Option<String>,
    /// The file of that key (made when missing); `None` means [`seal::default_key_file`].
    pub archive_key_file: Option<PathBuf>,
    /// The address phones reach this cloud at, printed in URL labels; `None`: products
    /// cannot choose the URL form.
    pub public_url: Option<PublicUrl>,
    /// The native apps that may open this cloud's label links (the `/.well-known` files).
    pub app_links: AppLinks,
}

/// The cloud's public address (`https://bind.example.com`): an absolute http(s) URL of a
/// host, without a path (the cloud answers `/b` and `/app/` at its root), query or fragment,
/// stored without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// Checks `input`; the error says what is wrong, for `--public-url`.
    pub fn parse(input: &str) -> Result<PublicUrl, String> {
        let trimmed = input.trim().trim_end_matches('/');
        let rest = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"))
            .ok_or_else(|| format!("{input:?} must start with https:// (or http://)"))?;
        if let Some(bad) = trimmed
            .chars()
            .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#'))
        {
            return Err(format!(
                "{input:?} must be a plain address: no {bad:?} (no query, fragment or spaces)"
            ));
        }
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        if host.is_empty() {
            return Err(format!("{input:?} names no host"));
        }
        if !path.is_empty() {
            return Err(format!(
                "{input:?} has a path; give the address of the cloud itself (it serves /b and \
                 /app/ at its root), such as https://bind.example.com"
            ));
        }
        Ok(PublicUrl(trimmed.to_owned()))
    }

    /// The address, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl StateConfig {
    /// Defaults for a database URL.
    pub fn new(database_url: impl Into<String>) -> Self {
        StateConfig {
            database_url: database_url.into(),
            secret: None,
            max_connections: 16,
            limits: Limits::default(),
            web_root: None,
            doc_ui: None,
            archive_key: None,
            archive_key_file: None,
            public_url: None,
            app_links: AppLinks::default(),
        }
    }
}

/// The shared state of the service (cheap to clone).
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The inside of [`AppState`].
pub struct Inner {
    /// For reads (and, on PostgreSQL, everything).
    pub db: AnyPool,
    /// For writes. On SQLite a pool of one connection: writers queue here, in order, instead
    /// of in SQLite's busy handler, which sleeps in steps of up to 100 ms. On PostgreSQL the
    /// same pool as `db`.
    pub writer: AnyPool,
    /// Which engine the pools talk to.
    pub backend: Backend,
    /// On PostgreSQL, a few native connections for what the `Any` driver cannot do: `COPY`,
    /// which the import uses to move its rows.
    #[cfg(feature = "postgres")]
    pub(crate) pg_bulk: Option<sqlx::PgPool>,
    /// HMAC key of bind-code hashes.
    pub secret: Vec<u8>,
    /// The limits the service enforces.
    pub limits: Limits,
    /// The web app served at `/app/`, when there is one.
    pub web_root: Option<PathBuf>,
    /// Swagger UI's files for `/doc/`, when given.
    pub doc_ui: Option<PathBuf>,
    /// The address URL labels point at, when one is configured.
    pub public_url: Option<PublicUrl>,
    /// What the `/.well-known` app-link files name.
    pub app_links: AppLinks,
    /// Group commit of bind outcomes (bindings and attempt records) on `writer`.
    pub(crate) bind_writer: BindWriter,
    /// Password hashes run through here, a few at a time.
    pub(crate) hashing: HashGate,
    /// Label archives are made and read back through here, a few at a time.
    pub(crate) archives: ArchiveGate,
    /// Label archives are stored sealed with this key (kept outside the database).
    pub(crate) archive_key: ArchiveKey,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Connects, migrates and loads (or creates) the server secret.
    pub async fn open(config: StateConfig) -> Result<AppState, DbError> {
        let (db, backend) = db::connect(&config.database_url, config.max_connections).await?;
        let writer = match backend {
            Backend::Sqlite => db::connect(&config.database_url, 1).await?.0,
            Backend::Postgres => db.clone(),
        };
        #[cfg(feature = "postgres")]
        let pg_bulk = match backend {
            Backend::Sqlite => None,
            // Lazy: most processes never import. An import waits as long as a request may
            // take for one of them, rather than failing while others load big files.
            Backend::Postgres => Some(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(config.limits.request_timeout)
                    .connect_lazy(&config.database_url)
                    .map_err(DbError::Connect)?,
            ),
        };
        if backend == Backend::Sqlite {
            // Only SQLite stages imports, and only one process serves a SQLite file.
            let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM import_pending")
                .fetch_one(&writer)
                .await
                .map_err(DbError::Query)?;
            if pending > 0 {
                let removed = db::drop_unfinished_imports(&writer)
                    .await
                    .map_err(DbError::Query)?;
                tracing::warn!(
                    imports = pending,
                    devices = removed,
                    "removed the rows of imports the last process did not finish"
                );
            }
        }
        let secret = db::server_secret(&writer, config.secret.as_deref()).await?;
        let archive_key = match (&config.archive_key, &config.archive_key_file) {
            (Some(hex), _) => ArchiveKey::from_hex(hex, "BINDERY_ARCHIVE_KEY")?,
            (None, Some(file)) => ArchiveKey::from_file(file)?,
            (None, None) => ArchiveKey::from_file(&seal::default_key_file(&config.database_url))?,
        };
        Ok(AppState(Arc::new(Inner {
            bind_writer: BindWriter::new(writer.clone(), backend),
            hashing: HashGate::new(
                config.limits.concurrent_password_hashes,
                config.limits.queued_password_hashes,
                config.limits.request_timeout / 4,
            ),
            archives: ArchiveGate::new(
                config.limits.archives_at_once,
                config.limits.request_timeout / 4,
            ),
            archive_key,
            db,
            writer,
            backend,
            #[cfg(feature = "postgres")]
            pg_bulk,
            secret,
            limits: config.limits,
            web_root: config.web_root,
            doc_ui: config.doc_ui,
            public_url: config.public_url,
            app_links: config.app_links,
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::PublicUrl;

    #[test]
    fn public_addresses_are_plain_http_urls() {
        let cases = [
            ("https://bind.example.com", Ok("https://bind.example.com")),
            (
                " https://bind.example.com/ ",
                Ok("https://bind.example.com"),
            ),
            ("http://10.0.0.2:8080/", Ok("http://10.0.0.2:8080")),
            ("http://10.0.0.2:8080/bindery/", Err("has a path")),
            ("bind.example.com", Err("must start with https://")),
            ("https:///b", Err("names no host")),
            ("https://bind.example.com/?x=1", Err("no '?'")),
            ("https://bind example.com", Err("no ' '")),
        ];
        for (input, expected) in cases {
            match (PublicUrl::parse(input), expected) {
                (Ok(url), Ok(want)) => assert_eq!(url.as_str(), want),
                (Err(error), Err(says)) => assert!(error.contains(says), "{input}: {error}"),
                (got, want) => panic!("{input}: {got:?}, expected {want:?}"),
            }
        }
    }
}
