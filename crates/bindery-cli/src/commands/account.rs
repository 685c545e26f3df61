//! `signup`, `login`, `logout`, `whoami`: the account and the session kept between
//! commands.
//!
//! Passwords never go on the command line by default (shell history, `ps`): they come from
//! `--password-stdin`, `BINDERY_PASSWORD`, or a hidden prompt on a terminal. `--password`
//! exists for throwaway QA accounts.

use std::io::{BufRead, IsTerminal};

use bindery_client::{ClientError, StoredSession};
use bindery_core::ErrorCode;
use serde_json::json;

use crate::context::Context;
use crate::output;
use crate::Outcome;

#[derive(Debug, clap::Args)]
pub struct CredentialsArgs {
    /// The account's email address.
    #[arg(long, env = "BINDERY_EMAIL")]
    pub email: String,
    /// The password (visible to other users of this machine; prefer --password-stdin or a
    /// prompt).
    #[arg(long, env = "BINDERY_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// Read the password from the first line of stdin.
    #[arg(long, conflicts_with = "password")]
    pub password_stdin: bool,
}

impl CredentialsArgs {
    fn password(&self, json_mode: bool) -> Result<String, Outcome> {
        if let Some(password) = &self.password {
            return Ok(password.clone());
        }
        let stdin = std::io::stdin();
        if self.password_stdin || !stdin.is_terminal() {
            let mut line = String::new();
            if let Err(e) = stdin.lock().read_line(&mut line) {
                output::usage_error(
                    json_mode,
                    &format!("could not read the password from stdin: {e}"),
                );
                return Err(Outcome::BadInput);
            }
            let password = line.trim_end_matches(['\r', '\n']).to_owned();
            if password.is_empty() {
                output::usage_error(
                    json_mode,
                    "no password given: pass it on stdin with --password-stdin, in BINDERY_PASSWORD, or run on a terminal to be asked",
                );
                return Err(Outcome::BadInput);
            }
            return Ok(password);
        }
        rpassword::prompt_password(format!("Password for {}: ", self.email)).map_err(|e| {
            output::usage_error(json_mode, &format!("could not read the password: {e}"));
            Outcome::BadInput
        })
    }
}

pub fn signup(ctx: &Context, args: &CredentialsArgs) -> Outcome {
    let password = match args.password(ctx.args.json) {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    match ctx.block_on(ctx.client().signup(&args.email, &password)) {
        Ok(created) => {
            output::result(
                ctx.args.json,
                || {
                    format!(
                        "Account {} created on {} (uid {}). Sign in with `bindery-cli login --email {}`.",
                        args.email, ctx.cloud, created.uid, args.email
                    )
                },
                || json!({ "uid": created.uid, "email": args.email, "cloud": ctx.cloud }),
            );
            Outcome::Success
        }
        Err(e) => ctx.fail(&e),
    }
}

pub fn login(ctx: &Context, args: &CredentialsArgs) -> Outcome {
    let password = match args.password(ctx.args.json) {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let session = match ctx.block_on(ctx.client().login(&args.email, &password)) {
        Ok(session) => session,
        Err(e) => return ctx.fail(&e),
    };
    let stored = StoredSession {
        cloud: ctx.cloud.clone(),
        token: session.token,
        uid: session.uid,
        email: args.email.clone(),
        expires_at: output::time_text(session.expires_at),
    };
    if let Err(e) = ctx.store().save(&stored) {
        output::usage_error(
            ctx.args.json,
            &format!("signed in, but the session could not be kept: {e}"),
        );
        return Outcome::BadInput;
    }
    if let Some(warning) = ctx.store().fallback_warning() {
        eprintln!("warning: {warning}");
    }
    output::result(
        ctx.args.json,
        || {
            format!(
                "Signed in to {} as {} (uid {}); the session is kept in {} until {}.",
                ctx.cloud,
                stored.email,
                stored.uid,
                ctx.store().backend(),
                stored.expires_at
            )
        },
        || {
            json!({
                "cloud": ctx.cloud,
                "email": stored.email,
                "uid": stored.uid,
                "expires_at": stored.expires_at,
                "session_store": ctx.store().backend().to_string(),
            })
        },
    );
    Outcome::Success
}

/// `logout [--everywhere]`: revokes this session (or every session of the account) and
/// forgets it here.
pub fn logout(ctx: &Context, everywhere: bool) -> Outcome {
    let session = match ctx.store().load(&ctx.cloud) {
        Ok(Some(session)) => session,
        Ok(None) => {
            output::result(
                ctx.args.json,
                || format!("Not signed in to {}; nothing to do.", ctx.cloud),
                || json!({ "signed_out": false, "cloud": ctx.cloud }),
            );
            return Outcome::Success;
        }
        Err(e) => {
            // A damaged session cannot be revoked, but it can be forgotten.
            let _ = ctx.store().clear(&ctx.cloud);
            output::usage_error(ctx.args.json, &format!("{e}; it has been removed"));
            return Outcome::Success;
        }
    };
    let client = ctx.client().with_token(Some(session.token));
    let revoked = ctx.block_on(async {
        if everywhere {
            client.logout_everywhere().await
        } else {
            client.logout().await
        }
    });
    // Forget the session whatever the cloud said: the user asked to be signed out here.
    let forgotten = ctx.store().clear(&ctx.cloud);
    match (revoked, forgotten) {
        (Err(e), _) if e.code() != Some(ErrorCode::Unauthorized) => {
            if let ClientError::Network { .. } = e {
                eprintln!(
                    "Signed out on this computer, but the cloud could not be told; the session stays valid there until {}.",
                    session.expires_at
                );
            }
            output::client_error(ctx.args.json, &ctx.cloud, &e);
            crate::context::outcome_of(&e)
        }
        (_, Err(e)) => {
            output::usage_error(ctx.args.json, &e.to_string());
            Outcome::BadInput
        }
        _ => {
            output::result(
                ctx.args.json,
                || {
                    let scope = if everywhere { " on every device" } else { "" };
                    format!("Signed out of {} ({}){scope}.", ctx.cloud, session.email)
                },
                || json!({ "signed_out": true, "everywhere": everywhere, "cloud": ctx.cloud, "email": session.email }),
            );
            Outcome::Success
        }
    }
}

pub fn whoami(ctx: &Context) -> Outcome {
    let session = match ctx.session() {
        Ok(session) => session,
        Err(outcome) => return outcome,
    };
    // There is no "who am I" call in API v1; listing the devices is the cheapest call that
    // proves the session is still accepted.
    let client = ctx.client().with_token(Some(session.token.clone()));
    match ctx.block_on(client.devices()) {
        Ok(devices) => {
            if let Some(warning) = ctx.store().fallback_warning() {
                eprintln!("warning: {warning}");
            }
            output::result(
                ctx.args.json,
                || {
                    format!(
                        "{} (uid {}) on {}\n  session expires {}, kept in {}\n  {} device(s) bound",
                        session.email,
                        session.uid,
                        ctx.cloud,
                        session.expires_at,
                        ctx.store().backend(),
                        devices.len()
                    )
                },
                || {
                    json!({
                        "email": session.email,
                        "uid": session.uid,
                        "cloud": ctx.cloud,
                        "expires_at": session.expires_at,
                        "session_store": ctx.store().backend().to_string(),
                        "devices": devices.len(),
                    })
                },
            );
            Outcome::Success
        }
        Err(e) => ctx.fail(&e),
    }
}
