//! `bindery-cloud`: run the cloud, or do its administration straight on its database
//! (developer keys, products, SN batches, imports, the support view).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use bindery_cloud::developer::import::{import_file, ImportMode};
use bindery_cloud::developer::{self, batches, products};
use bindery_cloud::links::{AppLinks, AppleTeamId, Sha256Fingerprint};
use bindery_cloud::tls::{self, Origin, ServerTls};
use bindery_cloud::{ApiError, AppState, PublicUrl, StateConfig};
use bindery_core::api::CreateProduct;
use bindery_core::{BindPolicy, LabelForm, ProductKey};
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "bindery-cloud",
    version,
    about = "Bindery's cloud: serve the API and administer it"
)]
struct Cli {
    /// Database URL: sqlite://PATH or postgres://… (default: a SQLite file in the user's data
    /// directory).
    // Never shown by --help: a PostgreSQL URL carries its password.
    #[arg(
        long,
        env = "BINDERY_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    database_url: Option<String>,

    /// Key of bind-code hashes (default: generated once and kept in the database).
    #[arg(long, env = "BINDERY_SECRET", global = true, hide_env_values = true)]
    secret: Option<String>,

    /// Key that seals label archives in the database, 64 hex digits (default: the key file).
    #[arg(
        long,
        env = "BINDERY_ARCHIVE_KEY",
        global = true,
        hide_env_values = true
    )]
    archive_key: Option<String>,

    /// File holding that key, made on first use (default: next to a SQLite database, or
    /// ~/.local/share/bindery/archive.key for PostgreSQL; every process of a cloud needs it).
    #[arg(long, env = "BINDERY_ARCHIVE_KEY_FILE", global = true)]
    archive_key_file: Option<PathBuf>,

    /// The address phones reach this cloud at (https://bind.example.com), printed in the
    /// labels of products whose label form is `url` (they point at its `/b`).
    #[arg(long, env = "BINDERY_PUBLIC_URL", global = true, value_parser = PublicUrl::parse)]
    public_url: Option<PublicUrl>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API until SIGTERM or Ctrl-C.
    Serve {
        #[arg(long, env = "BINDERY_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Database connections of this process.
        #[arg(long, default_value_t = 16)]
        max_connections: u32,
        /// Also serve the web app built by `cargo xtask web` from this folder, at `/app/`.
        #[arg(long, env = "BINDERY_WEB_ROOT")]
        web_root: Option<PathBuf>,
        /// npm's `swagger-ui-dist` folder: the interactive API reference at `/doc/`.
        #[arg(long, env = "BINDERY_DOC_UI")]
        doc_ui: Option<PathBuf>,
        /// Client connections held at once; more wait to be accepted. Keep it under the
        /// process's file-descriptor limit (`ulimit -n`).
        #[arg(long, env = "BINDERY_MAX_CLIENTS", default_value_t = 768)]
        max_clients: usize,
        /// Seconds a client has to send a request's headers, and that a kept-alive
        /// connection may stay silent, before it is closed.
        #[arg(long, env = "BINDERY_HEADER_TIMEOUT", default_value_t = 10)]
        header_timeout: u64,
        /// Sign-ups allowed from one client address per 10 minutes.
        #[arg(long, env = "BINDERY_SIGNUPS_PER_ADDRESS", default_value_t = 30)]
        signups_per_address: i64,
        /// Serve HTTPS with this certificate (PEM, the chain with the server's certificate
        /// first); needs --tls-key.
        #[arg(
            long,
            env = "BINDERY_TLS_CERT",
            requires = "tls_key",
            conflicts_with = "tls_self_signed"
        )]
        tls_cert: Option<PathBuf>,
        /// The private key of --tls-cert (PEM).
        #[arg(long, env = "BINDERY_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Serve HTTPS with a self-signed certificate for the listen address, made on the
        /// first start and kept (see --tls-dir); its SHA-256 fingerprint is printed.
        #[arg(
            long,
            env = "BINDERY_TLS_SELF_SIGNED",
            value_parser = clap::builder::BoolishValueParser::new()
        )]
        tls_self_signed: bool,
        /// Where --tls-self-signed keeps its certificate and key (default: beside a SQLite
        /// database, else ~/.local/share/bindery).
        #[arg(long, env = "BINDERY_TLS_DIR", requires = "tls_self_signed")]
        tls_dir: Option<PathBuf>,
        /// SHA-256 fingerprint of a certificate the Android app is signed with, for
        /// /.well-known/assetlinks.json (repeat it, or separate with commas, for several).
        #[arg(
            long,
            env = "BINDERY_ANDROID_CERT_SHA256",
            value_delimiter = ',',
            value_parser = Sha256Fingerprint::parse
        )]
        android_cert_sha256: Vec<Sha256Fingerprint>,
        /// Apple developer team id of the iOS app, for
        /// /.well-known/apple-app-site-association.
        #[arg(long, env = "BINDERY_APPLE_TEAM_ID", value_parser = AppleTeamId::parse)]
        apple_team_id: Option<AppleTeamId>,
    },
    /// Developer and support keys.
    DevKey {
        #[command(subcommand)]
        command: DevKeyCommand,
    },
    /// Products.
    Product {
        #[command(subcommand)]
        command: ProductCommand,
    },
    /// SN batches.
    Sn {
        #[command(subcommand)]
        command: SnCommand,
    },
    /// Import a DeviceKey↔SN file (CSV or XLSX) into a product.
    Import {
        #[arg(long)]
        product: String,
        #[arg(long, value_enum, default_value_t = Mode::Atomic)]
        mode: Mode,
        file: PathBuf,
    },
    /// The support view.
    Support {
        #[command(subcommand)]
        command: SupportCommand,
    },
}

#[derive(Debug, Subcommand)]
enum DevKeyCommand {
    /// Create a key and print it (it is shown only this once).
    Create {
        #[arg(long)]
        name: String,
        /// A support key (the support view) instead of a developer key: without `--org` the
        /// operator's, which sees every device.
        #[arg(long)]
        support: bool,
        /// The organisation (`o_…`) the key works in. Without it a developer key gets a new
        /// organisation of its own, named after the key.
        #[arg(long)]
        org: Option<String>,
        /// Make this existing account (signed up in the app or the console) an owner of the
        /// key's organisation: the first owner, who then works in the console.
        #[arg(long)]
        owner_email: Option<String>,
    },
    /// List every key: id, role, name, when made, last used and revoked (never the secret).
    List,
    /// Revoke a key by its id (`k_…`): it is refused from the next request on.
    Revoke {
        /// The key's id, as `dev-key list` shows it.
        key_id: String,
    },
}

#[derive(Debug, Subcommand)]
enum ProductCommand {
    /// Create a product owned by a developer key.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        product_key: Option<String>,
        #[arg(long, value_enum, default_value_t = Policy::BindCodeRequired)]
        bind_policy: Policy,
        /// The form its labels are printed in: v2, quectel-v1 (sn-only products) or url
        /// (needs --public-url).
        #[arg(long, value_enum, default_value_t = Form::V2)]
        label_form: Form,
        /// The developer key that will own it.
        #[arg(long, env = "BINDERY_API_KEY", hide_env_values = true)]
        api_key: String,
    },
}

#[derive(Debug, Subcommand)]
enum SnCommand {
    /// Generate a batch of SNs and write its label archive.
    Generate {
        #[arg(long)]
        product: String,
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        count: u32,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum SupportCommand {
    /// Everything about one device, as JSON.
    Device {
        sn: String,
        /// The device's product, needed only when several products have this SN.
        #[arg(long)]
        product_key: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Mode {
    Atomic,
    Partial,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Policy {
    BindCodeRequired,
    SnOnly,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Form {
    V2,
    QuectelV1,
    Url,
}

fn default_database_url() -> anyhow::Result<String> {
    let dirs = directories::ProjectDirs::from("", "", "bindery")
        .ok_or_else(|| anyhow::anyhow!("no home directory: pass --database-url"))?;
    let dir = dirs.data_dir();
    std::fs::create_dir_all(dir)?;
    Ok(bindery_cloud::db::sqlite_url(&dir.join("cloud.sqlite3")))
}

/// `dev-key list` as a table: times in UTC to the minute, "-" for never.
fn key_table(keys: &[developer::keys::ApiKeyListing]) -> String {
    let when = |ms: Option<i64>| {
        ms.map(|ms| {
            let t = bindery_cloud::db::from_ms(ms);
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_else(|| "-".to_owned())
    };
    let mut table = format!(
        "{:<20} {:<9} {:<16} {:<16} {:<16} {}\n",
        "KEY ID", "ROLE", "CREATED", "LAST USED", "REVOKED", "NAME"
    );
    for key in keys {
        table.push_str(&format!(
            "{:<20} {:<9} {:<16} {:<16} {:<16} {}\n",
            key.key_id,
            if key.support != 0 {
                "support"
            } else {
                "developer"
            },
            when(Some(key.created_at)),
            when(key.last_used_at),
            when(key.revoked_at),
            key.name
        ));
    }
    table
}

/// What `serve` tells the operator about its certificate: where it is, its fingerprint (to
/// compare with what the phone's browser shows) and the address to open on a phone.
fn certificate_note(https: &ServerTls, listen: SocketAddr) -> String {
    let mut note = match &https.origin {
        Origin::Files => format!("HTTPS with the certificate {}\n", https.cert_file.display()),
        Origin::Kept => format!(
            "HTTPS with the self-signed certificate kept in {}\n",
            https.cert_file.display()
        ),
        Origin::Made { names } => format!(
            "HTTPS with a new self-signed certificate for {}, kept in {} (key: {})\n",
            names.join(", "),
            https.cert_file.display(),
            https.key_file.display()
        ),
        Origin::Replaced { names, why } => format!(
            "HTTPS with a new self-signed certificate for {}, kept in {}: the one kept there \
             could not serve on ({why})\n",
            names.join(", "),
            https.cert_file.display()
        ),
    };
    if https.origin != Origin::Files {
        for ip in bindery_cloud::connections::reachable_addresses(listen) {
            let host = SocketAddr::new(ip, listen.port());
            note.push_str(&format!(
                "  on a phone, open https://{host}/app/ and check that the certificate shown is this one:\n"
            ));
        }
        if listen.ip().is_loopback() {
            note.push_str(
                "  (a phone cannot reach this machine's loopback address: for phones, serve \
                 with --listen 0.0.0.0:8443 or this machine's network address)\n",
            );
        }
    }
    note.push_str(&format!("  SHA-256 fingerprint: {}\n", https.fingerprint));
    note
}

fn api_error(e: ApiError) -> anyhow::Error {
    match e {
        ApiError::Refused { code, message, .. } => anyhow::anyhow!("{code}: {message}"),
        ApiError::Internal(source) => anyhow::anyhow!(source),
    }
}

fn product_key(pk: &str) -> anyhow::Result<ProductKey> {
    ProductKey::parse(pk).map_err(|e| anyhow::anyhow!("{e}"))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = match cli.database_url {
        Some(url) => url,
        None => default_database_url()?,
    };
    let mut config = StateConfig::new(url);
    config.secret = cli.secret;
    config.archive_key = cli.archive_key;
    config.archive_key_file = cli.archive_key_file;
    config.public_url = cli.public_url;
    let mut https = None;
    if let Command::Serve {
        listen,
        max_connections,
        web_root,
        doc_ui,
        max_clients,
        header_timeout,
        signups_per_address,
        tls_cert,
        tls_key,
        tls_self_signed,
        tls_dir,
        android_cert_sha256,
        apple_team_id,
    } = &cli.command
    {
        // Certificates first: a bad file is reported before anything else is opened.
        https = match (tls_cert, tls_key) {
            (Some(cert), Some(key)) => Some(tls::from_files(cert, key)?),
            _ if *tls_self_signed => {
                let dir = match tls_dir {
                    Some(dir) => dir.clone(),
                    None => tls::default_dir(&config.database_url),
                };
                Some(tls::self_signed(&dir, *listen)?)
            }
            _ => None,
        };
        if let Some(https) = &https {
            eprint!("{}", certificate_note(https, *listen));
        }
        config.app_links = AppLinks {
            android_cert_sha256: android_cert_sha256.clone(),
            apple_team_id: apple_team_id.clone(),
        };
        config.max_connections = *max_connections;
        config.limits.connections.max_connections = *max_clients;
        config.limits.connections.header_timeout = std::time::Duration::from_secs(*header_timeout);
        config.limits.signups_per_address = *signups_per_address;
        if let Some(root) = web_root {
            bindery_cloud::web::check_web_root(root)?;
            config.web_root = Some(root.clone());
        }
        if let Some(dir) = doc_ui {
            bindery_cloud::console::check_doc_ui(dir).map_err(anyhow::Error::msg)?;
            config.doc_ui = Some(dir.clone());
        }
    }
    let state = AppState::open(config).await?;
    match cli.command {
        Command::Serve { listen, .. } => match https {
            Some(https) => bindery_cloud::serve_tls(listen, state, https.config).await?,
            None => bindery_cloud::serve(listen, state).await?,
        },
        Command::DevKey {
            command:
                DevKeyCommand::Create {
                    name,
                    support,
                    org,
                    owner_email,
                },
        } => {
            let key = match &org {
                Some(org) => developer::create_org_key(&state, org, &name, support, None).await,
                None => developer::create_api_key(&state, &name, support).await,
            }
            .map_err(api_error)?;
            let org = key.org_id.clone();
            if let Some(email) = owner_email {
                let org = org.as_deref().ok_or_else(|| {
                    anyhow::anyhow!(
                        "the operator's support keys have no organisation to own; give --org"
                    )
                })?;
                bindery_cloud::orgs::add_member_by_email(
                    &state,
                    org,
                    &email,
                    bindery_core::api::Role::Owner,
                )
                .await
                .map_err(api_error)?;
                eprintln!("{email} is an owner of {org}");
            }
            eprintln!(
                "created {} key {} ({name}) in {}; keep it, it is not shown again:",
                if support { "support" } else { "developer" },
                key.key_id,
                org.as_deref().unwrap_or("no organisation (the operator's)"),
            );
            println!("{}", key.key);
        }
        Command::DevKey {
            command: DevKeyCommand::List,
        } => {
            let keys = developer::keys::list_api_keys(&state)
                .await
                .map_err(api_error)?;
            print!("{}", key_table(&keys));
        }
        Command::DevKey {
            command: DevKeyCommand::Revoke { key_id },
        } => match developer::keys::revoke_api_key(&state, &key_id)
            .await
            .map_err(api_error)?
        {
            developer::keys::Revoked::Now => eprintln!("revoked {key_id}"),
            developer::keys::Revoked::Already => eprintln!("{key_id} was already revoked"),
            developer::keys::Revoked::Unknown => anyhow::bail!(
                "no key has the id {key_id}; `bindery-cloud dev-key list` shows the ids"
            ),
        },
        Command::Product {
            command:
                ProductCommand::Create {
                    name,
                    product_key,
                    bind_policy,
                    label_form,
                    api_key,
                },
        } => {
            let owner = developer::api_key_id(&state, &api_key)
                .await
                .map_err(api_error)?
                .ok_or_else(|| anyhow::anyhow!("no such developer key"))?;
            let request = CreateProduct {
                name,
                product_key,
                bind_policy: Some(match bind_policy {
                    Policy::BindCodeRequired => BindPolicy::BindCodeRequired,
                    Policy::SnOnly => BindPolicy::SnOnly,
                }),
                label_form: Some(match label_form {
                    Form::V2 => LabelForm::BinderyV2,
                    Form::QuectelV1 => LabelForm::QuectelV1,
                    Form::Url => LabelForm::Url,
                }),
            };
            let product = products::create_product(&state, Some(&owner), request)
                .await
                .map_err(api_error)?;
            println!("{}", serde_json::to_string_pretty(&product)?);
        }
        Command::Sn {
            command:
                SnCommand::Generate {
                    product,
                    count,
                    out,
                },
        } => {
            let pk = product_key(&product)?;
            developer::product(&state, pk.as_str())
                .await
                .map_err(api_error)?;
            let bar = indicatif::ProgressBar::new(u64::from(count));
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} labels {eta}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let progress = bar.clone();
            let (batch, archive) =
                batches::create_batch(&state, &pk, count, move |n| progress.set_position(n as u64))
                    .await
                    .map_err(api_error)?;
            bar.finish_and_clear();
            std::fs::write(&out, archive)?;
            eprintln!(
                "batch {} of {} SNs written to {}",
                batch.batch_id,
                batch.count,
                out.display()
            );
            println!("{}", serde_json::to_string_pretty(&batch)?);
        }
        Command::Import {
            product,
            mode,
            file,
        } => {
            let pk = product_key(&product)?;
            developer::product(&state, pk.as_str())
                .await
                .map_err(api_error)?;
            let body = std::fs::read(&file)?;
            let mode = match mode {
                Mode::Atomic => ImportMode::Atomic,
                Mode::Partial => ImportMode::Partial,
            };
            let report = import_file(&state, &pk, body, mode)
                .await
                .map_err(api_error)?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            if !report.rejected.is_empty() {
                anyhow::bail!("{} row problem(s)", report.rejected.len());
            }
        }
        Command::Support {
            command: SupportCommand::Device { sn, product_key },
        } => {
            let device =
                bindery_cloud::support::support_device(&state, &sn, product_key.as_deref())
                    .await
                    .map_err(api_error)?;
            println!("{}", serde_json::to_string_pretty(&device)?);
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    // clap exits with status 2 on bad arguments.
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    bindery_cloud::memory::return_big_blocks();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
