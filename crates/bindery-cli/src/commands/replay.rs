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

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;

use bindery_client::{Exchange, RawAnswer};
use serde_json::{json, Value};

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

/// Answer fields that differ between any two runs.
const VOLATILE: &[&str] = &[
    "token",
    "uid",
    "did",
    "expires_at",
    "bound_at",
    "created_at",
    "updated_at",
    "imported_at",
    "request_id",
    "batch_id",
    "at",
];

/// Ids the cloud makes up, mapped from the recording's values to the replay's.
const IDS: &[&str] = &["did", "uid", "batch_id"];

const MASK: &str = "***";

/// The recorded calls of a file, with the number of lines that were not calls.
fn read_recording(text: &str) -> (Vec<Exchange>, usize) {
    let mut calls = Vec::new();
    let mut skipped = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let exchange = serde_json::from_str::<Value>(line).ok().and_then(|value| {
            let inner = value.get("trace").cloned().unwrap_or(value);
            serde_json::from_value::<Exchange>(inner).ok()
        });
        match exchange {
            Some(exchange) => calls.push(exchange),
            None => skipped += 1,
        }
    }
    // A call retried after a network failure was recorded once per attempt; the last
    // attempt is the one that was answered.
    let mut last_attempts: Vec<Exchange> = Vec::new();
    for exchange in calls {
        if let Some(previous) = last_attempts.last() {
            if exchange.attempt > 1
                && previous.method == exchange.method
                && previous.path == exchange.path
                && previous.attempt + 1 == exchange.attempt
            {
                last_attempts.pop();
            }
        }
        last_attempts.push(exchange);
    }
    (last_attempts, skipped)
}

fn random_password() -> String {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    format!("replay-{:016x}", hasher.finish())
}

fn error_code(body: Option<&Value>) -> Option<String> {
    body?.get("error")?.get("code")?.as_str().map(str::to_owned)
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

/// Learns which replayed id stands for which recorded one.
fn learn_ids(recorded: &Value, replayed: &Value, ids: &mut BTreeMap<String, String>) {
    match (recorded, replayed) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let Some(other) = b.get(key) else { continue };
                match (IDS.contains(&key.as_str()), value, other) {
                    (true, Value::String(old), Value::String(new)) => {
                        ids.insert(old.clone(), new.clone());
                    }
                    _ => learn_ids(value, other, ids),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (x, y) in a.iter().zip(b) {
                learn_ids(x, y, ids);
            }
        }
        _ => {}
    }
}

/// The differences between two answers, volatile fields ignored; each as `path: a ≠ b`.
fn differences(at: &str, recorded: &Value, replayed: &Value, out: &mut Vec<String>) {
    match (recorded, replayed) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let here = format!("{at}.{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) if !VOLATILE.contains(&key.as_str()) => {
                        differences(&here, x, y, out)
                    }
                    (Some(_), Some(_)) => {}
                    (Some(_), None) => out.push(format!("{here}: missing in the replay")),
                    (None, Some(_)) => out.push(format!("{here}: not in the recording")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                out.push(format!(
                    "{at}: {} item(s) recorded, {} replayed",
                    a.len(),
                    b.len()
                ));
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(&format!("{at}[{i}]"), x, y, out);
            }
        }
        (x, y) if x != y => out.push(format!("{at}: {x} recorded, {y} replayed")),
        _ => {}
    }
}

/// One replayed call and how it compares.
struct Compared {
    index: usize,
    method: String,
    path: String,
    recorded_status: Option<u16>,
    recorded_code: Option<String>,
    replayed: RawAnswer,
    differences: Vec<String>,
}

impl Compared {
    fn same(&self) -> bool {
        self.differences.is_empty()
    }

    fn json(&self) -> Value {
        json!({
            "call": self.index,
            "method": self.method,
            "path": self.path,
            "recorded_status": self.recorded_status,
            "recorded_code": self.recorded_code,
            "replayed_status": self.replayed.status,
            "replayed_code": error_code(self.replayed.json.as_ref()),
            "request_id": self.replayed.request_id,
            "same": self.same(),
            "differences": self.differences,
        })
    }

    fn text(&self) -> String {
        let mut line = format!(
            "{} #{} {} {} → {}",
            if self.same() { "same" } else { "DIFF" },
            self.index,
            self.method,
            self.path,
            self.replayed.status
        );
        if let Some(code) = error_code(self.replayed.json.as_ref()) {
            line.push_str(&format!(" {code}"));
        }
        if let Some(id) = &self.replayed.request_id {
            line.push_str(&format!(" (request id {id})"));
        }
        for difference in &self.differences {
            line.push_str(&format!("\n      {difference}"));
        }
        line
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
    let (calls, skipped) = read_recording(&text);
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
    for (i, call) in calls.iter().enumerate() {
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
            differences("body", recorded, answer, &mut diffs);
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
    fn volatile_fields_do_not_count_as_differences() {
        let recorded =
            json!({"device": {"did": "a", "name": "Kitchen", "bound_at": "t1", "sn": "S1"}});
        let replayed =
            json!({"device": {"did": "b", "name": "Kitchen", "bound_at": "t2", "sn": "S1"}});
        let mut out = Vec::new();
        differences("body", &recorded, &replayed, &mut out);
        assert_eq!(out, Vec::<String>::new());
        let renamed = json!({"device": {"did": "b", "name": "Hall", "bound_at": "t2", "sn": "S1"}});
        differences("body", &recorded, &renamed, &mut out);
        assert_eq!(
            out,
            vec![r#"body.device.name: "Kitchen" recorded, "Hall" replayed"#.to_owned()]
        );
    }

    #[test]
    fn ids_are_mapped_from_the_recorded_answer_to_the_replayed_one() {
        let mut ids = BTreeMap::new();
        learn_ids(
            &json!({"devices": [{"did": "old-1"}], "uid": "u-old"}),
            &json!({"devices": [{"did": "new-1"}], "uid": "u-new"}),
            &mut ids,
        );
        assert_eq!(ids.get("old-1").map(String::as_str), Some("new-1"));
        assert_eq!(ids.get("u-old").map(String::as_str), Some("u-new"));
    }

    #[test]
    fn retried_attempts_collapse_to_the_answered_one_and_other_lines_are_skipped() {
        let exchange = |attempt: u32, status: Option<u16>| Exchange {
            method: "POST".into(),
            path: "/v1/bindings".into(),
            url: "http://x/v1/bindings".into(),
            attempt,
            request_headers: vec![],
            request_body: Some("{}".into()),
            status,
            response_headers: vec![],
            response_body: None,
            error: None,
            elapsed_ms: None,
        };
        let text = format!(
            "warning: not a call\n{}\n{}\n",
            json!({"trace": exchange(1, None)}),
            json!({"trace": exchange(2, Some(201))})
        );
        let (calls, skipped) = read_recording(&text);
        assert_eq!(skipped, 1);
        assert_eq!(calls, vec![exchange(2, Some(201))]);
    }

    #[test]
    fn masked_passwords_are_filled_in() {
        let mut body = json!({"email": "a@example.com", "password": "***"});
        unmask(&mut body, "pw");
        assert_eq!(body, json!({"email": "a@example.com", "password": "pw"}));
    }
}
