//! How a replayed answer compares with the recorded one: which fields may differ between
//! any two runs (times, tokens, ids the cloud makes up), how recorded ids map to replayed
//! ones, and how each compared call is reported.

use std::collections::BTreeMap;

use bindery_client::RawAnswer;
use serde_json::{json, Value};

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

/// The error code of an API error body.
pub fn error_code(body: Option<&Value>) -> Option<String> {
    body?.get("error")?.get("code")?.as_str().map(str::to_owned)
}

/// Learns which replayed id stands for which recorded one.
pub fn learn_ids(recorded: &Value, replayed: &Value, ids: &mut BTreeMap<String, String>) {
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
pub fn differences(at: &str, recorded: &Value, replayed: &Value, out: &mut Vec<String>) {
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
pub struct Compared {
    pub index: usize,
    pub method: String,
    pub path: String,
    pub recorded_status: Option<u16>,
    pub recorded_code: Option<String>,
    pub replayed: RawAnswer,
    pub differences: Vec<String>,
}

impl Compared {
    pub fn same(&self) -> bool {
        self.differences.is_empty()
    }

    pub fn json(&self) -> Value {
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

    pub fn text(&self) -> String {
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
}
