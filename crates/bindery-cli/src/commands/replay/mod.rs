//! `replay FILE`: sends the calls recorded by `--trace --json` to a cloud again and reports,
//! call by call, where the answers differ from the recording. This is how support
//! reproduces a customer's binding on a staging cloud, or checks a fix against a bug report.
//!
//! A recording has its secrets masked, so replay fills them in: a password (the same one
//! for every masked password of the run, so a recorded signup and login still agree), the
//! session token the replayed login answered with, and the key given with `--api-key`.
//! Calls recorded before any login use the session kept for the target cloud. Ids the cloud
//! makes up (did, uid, batch id) are mapped from the recorded answers to the replayed ones,
//! so `rename DID` after a `bind` still names the device the replay bound. Times, tokens
//! and ids are not compared; everything else in an answer is.
//!
//! A label's bind code is masked in a recording as it is in every trace (`bc=***`), and
//! replay cannot know it: a recorded bind of a label that needs its bind code is sent with
//! the masked one and answers differently. The files: `recording` reads and checks the
//! file, `compare` tells how an answer differs; this one fills the secrets in and sends.

mod compare;
mod recording;

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;

use bindery_client::masked_json;
use serde_json::{json, Value};

use self::compare::{differences, error_code, learn_ids, Compared};
use self::recording::{read_recording, Recorded};
use crate::context::Context;
use crate::output;
use crate::Outcome;

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// A recording: the stderr of commands run with `--trace --json` (other lines are
    /// skipped).
    pub file: PathBuf,
    /// The password to send where the recording has a masked one (default: a random
    /// password, the same for the whole run).
    #[arg(long, env = "BINDERY_REPLAY_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// The Developer Center or support key to send where the recording has a masked one.
    #[arg(long, env = "BINDERY_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
}

const MASK: &str = "***";

fn random_password() -> String {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    format!("replay-{:016x}", hasher.finish())
}

/// Fills the recording's masked password fields in.
fn unmask(body: &mut Value, password: &str) {
    match body {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if key == "password" && value == MASK {
                    *value = Value::String(password.to_owned());
                } else {
                    unmask(value, password);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| unmask(v, password)),
        _ => {}
    }
}

pub fn run(ctx: &Context, args: &ReplayArgs) -> Outcome {
    let text = match std::fs::read_to_string(&args.file) {
        Ok(text) => text,
        Err(e) => {
            output::usage_error(
                ctx.args.json,
                &format!("could not read the recording {}: {e}", args.file.display()),
            );
            return Outcome::BadInput;
        }
    };
    let (calls, skipped) = match read_recording(&text, &ctx.client()) {
        Ok(read) => read,
        Err(e) => {
            output::usage_error(ctx.args.json, &format!("{}: {e}", args.file.display()));
            return Outcome::BadInput;
        }
    };
    if calls.is_empty() {
        output::usage_error(
            ctx.args.json,
            &format!(
                "{} holds no recorded calls ({skipped} other line(s)); record one with `bindery-cli --trace --json COMMAND 2>>{}`",
                args.file.display(),
                args.file.display()
            ),
        );
        return Outcome::BadInput;
    }
    let password = args.password.clone().unwrap_or_else(random_password);
    // Calls before the first recorded login run with the replaying user's own session.
    let mut token = ctx.store().load(&ctx.cloud).ok().flatten().map(|s| s.token);
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut compared = Vec::new();
    let mut not_replayed = Vec::new();
    for (i, Recorded { call, .. }) in calls.iter().enumerate() {
        let index = i + 1;
        let body = match call.request_body.as_deref() {
            None => None,
            Some(body) => match serde_json::from_str::<Value>(body) {
                Ok(mut value) => {
                    unmask(&mut value, &password);
                    Some(value)
                }
                Err(_) => {
                    // Uploads are recorded as "<N bytes of …>", not their content.
                    not_replayed.push(format!(
                        "#{index} {} {}: its body was not recorded ({body})",
                        call.method, call.path
                    ));
                    continue;
                }
            },
        };
        let mut path = call.path.clone();
        for (old, new) in &ids {
            path = path.replace(old.as_str(), new.as_str());
        }
        let sends_key = call
            .request_headers
            .iter()
            .any(|(name, _)| name == "x-api-key");
        let sends_token = call
            .request_headers
            .iter()
            .any(|(name, _)| name == "authorization");
        let client = ctx
            .client()
            .with_token(if sends_token { token.clone() } else { None })
            .with_api_key(if sends_key {
                args.api_key.clone()
            } else {
                None
            });
        let replayed = match ctx.block_on(client.send_raw(&call.method, &path, body)) {
            Ok(answer) => answer,
            Err(e) => {
                output::client_error(ctx.args.json, &ctx.cloud, &e);
                return crate::context::outcome_of(&e);
            }
        };
        let recorded_body = call
            .response_body
            .as_deref()
            .and_then(|b| serde_json::from_str::<Value>(b).ok());
        if call.method == "POST" && call.path == "/v1/sessions" && replayed.status == 201 {
            token = replayed
                .json
                .as_ref()
                .and_then(|j| j.get("token"))
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
        let mut diffs = Vec::new();
        if call.status != Some(replayed.status) {
            diffs.push(match call.status {
                Some(status) => format!("status: {status} recorded, {} replayed", replayed.status),
                None => format!(
                    "status: no answer recorded ({}), {} replayed",
                    call.error.as_deref().unwrap_or("network failure"),
                    replayed.status
                ),
            });
        }
        if let (Some(recorded), Some(answer)) = (&recorded_body, &replayed.json) {
            learn_ids(recorded, answer, &mut ids);
            // The recording shows answers as a trace does, secrets masked; so is the
            // replayed answer before the two are compared.
            differences("body", recorded, &masked_json(answer), &mut diffs);
        }
        compared.push(Compared {
            index,
            method: call.method.clone(),
            path,
            recorded_status: call.status,
            recorded_code: error_code(recorded_body.as_ref()),
            replayed,
            differences: diffs,
        });
    }
    let differing = compared.iter().filter(|c| !c.same()).count();
    if ctx.args.json {
        for call in &compared {
            println!("{}", call.json());
        }
        println!(
            "{}",
            json!({
                "replayed": compared.len(),
                "differing": differing,
                "not_replayed": not_replayed,
                "skipped_lines": skipped,
                "cloud": ctx.cloud,
            })
        );
    } else {
        for call in &compared {
            println!("{}", call.text());
        }
        for note in &not_replayed {
            println!("skip {note}");
        }
        println!(
            "{} call(s) replayed against {}: {} the same, {differing} different{}.",
            compared.len(),
            ctx.cloud,
            compared.len() - differing,
            if skipped > 0 {
                format!(" ({skipped} line(s) of the file were not calls)")
            } else {
                String::new()
            }
        );
    }
    if differing == 0 {
        Outcome::Success
    } else {
        Outcome::Refused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_passwords_are_filled_in() {
        let mut body = json!({"email": "a@example.com", "password": "***"});
        unmask(&mut body, "pw");
        assert_eq!(body, json!({"email": "a@example.com", "password": "pw"}));
    }
}
