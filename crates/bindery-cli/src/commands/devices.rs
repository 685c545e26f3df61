//! `inspect`, `bind`, `devices`, `rename`, `unbind`: the app's flow from a terminal.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use bindery_client::BindOutcome;
use bindery_core::api::{Device, DeviceStatus, Inspection};
use serde_json::json;

use crate::context::Context;
use crate::output;
use crate::{label, Outcome};

/// A label, as text or as an image to decode.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub struct LabelArgs {
    /// The label's QR content, exactly as scanned (quote it: it usually contains '&').
    #[arg(long, group = "label")]
    pub qr: Option<String>,
    /// A photo or label PNG holding one QR code.
    #[arg(long, group = "label")]
    pub image: Option<PathBuf>,
}

impl LabelArgs {
    fn qr_content(&self, json_mode: bool) -> Result<String, Outcome> {
        match (&self.qr, &self.image) {
            (Some(text), _) => Ok(text.clone()),
            (None, Some(file)) => label::read_image(file).map_err(|e| {
                output::usage_error(json_mode, &e.to_string());
                Outcome::BadInput
            }),
            (None, None) => unreachable!("clap requires one of --qr and --image"),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct BindArgs {
    #[command(flatten)]
    pub label: LabelArgs,
    /// The name the device will have on Home (1–64 characters).
    #[arg(long)]
    pub name: String,
}

fn status_sentence(status: DeviceStatus) -> &'static str {
    match status {
        DeviceStatus::Bindable => "can be bound to your account",
        DeviceStatus::BoundToYou => "is already bound to your account",
        DeviceStatus::BoundToOther => {
            "is bound to another account; its owner must unbind it before you can bind it"
        }
        DeviceStatus::NotActivated => {
            "is not activated yet (its maker has not imported it); ask the seller or try later"
        }
    }
}

fn device_line(device: &Device) -> String {
    format!(
        "{}  {:<24}  {} {}  (bound {})",
        device.did,
        device.name,
        device.product_name,
        device.sn,
        output::time_text(device.bound_at)
    )
}

pub fn inspect(ctx: &Context, args: &LabelArgs) -> Outcome {
    let qr = match args.qr_content(ctx.args.json) {
        Ok(qr) => qr,
        Err(outcome) => return outcome,
    };
    let client = match ctx.signed_in() {
        Ok(client) => client,
        Err(outcome) => return outcome,
    };
    match ctx.block_on(client.inspect(&qr)) {
        Ok(Inspection {
            product_key,
            product_name,
            sn,
            status,
        }) => {
            output::result(
                ctx.args.json,
                || {
                    format!(
                        "{product_name} ({product_key}), SN {sn}: {}",
                        status_sentence(status)
                    )
                },
                || {
                    json!({
                        "product_key": product_key,
                        "product_name": product_name,
                        "sn": sn,
                        "status": status,
                    })
                },
            );
            Outcome::Success
        }
        Err(e) => ctx.fail(&e),
    }
}

pub fn bind(ctx: &Context, args: &BindArgs) -> Outcome {
    let qr = match args.label.qr_content(ctx.args.json) {
        Ok(qr) => qr,
        Err(outcome) => return outcome,
    };
    let client = match ctx.signed_in() {
        Ok(client) => client,
        Err(outcome) => return outcome,
    };
    match ctx.block_on(client.bind(&qr, &args.name)) {
        Ok(outcome) => {
            let created = matches!(outcome, BindOutcome::Created(_));
            let device = outcome.device();
            output::result(
                ctx.args.json,
                || {
                    let how = if created {
                        "Bound"
                    } else {
                        "Already bound to you:"
                    };
                    format!(
                        "{how} {} ({} {}) as \"{}\", did {}",
                        device.sn, device.product_name, device.product_key, device.name, device.did
                    )
                },
                || json!({ "created": created, "device": device }),
            );
            Outcome::Success
        }
        Err(e) => ctx.fail(&e),
    }
}

pub fn list(ctx: &Context) -> Outcome {
    let client = match ctx.signed_in() {
        Ok(client) => client,
        Err(outcome) => return outcome,
    };
    match ctx.block_on(client.devices()) {
        Ok(devices) => {
            output::result(
                ctx.args.json,
                || {
                    if devices.is_empty() {
                        "No devices yet. Bind one with `bindery-cli bind --image LABEL.png --name NAME`.".to_owned()
                    } else {
                        devices
                            .iter()
                            .map(device_line)
                            .collect::<Vec<_>>()
                            .join("\n")
                    }
                },
                || json!({ "devices": devices }),
            );
            Outcome::Success
        }
        Err(e) => ctx.fail(&e),
    }
}

pub fn rename(ctx: &Context, did: &str, name: &str) -> Outcome {
    let client = match ctx.signed_in() {
        Ok(client) => client,
        Err(outcome) => return outcome,
    };
    match ctx.block_on(client.rename(did, name)) {
        Ok(device) => {
            output::result(
                ctx.args.json,
                || format!("Renamed {} to \"{}\".", device.did, device.name),
                || json!({ "device": device }),
            );
            Outcome::Success
        }
        Err(e) => ctx.fail(&e),
    }
}

pub fn unbind(ctx: &Context, did: &str, yes: bool) -> Outcome {
    let client = match ctx.signed_in() {
        Ok(client) => client,
        Err(outcome) => return outcome,
    };
    if !yes {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            output::usage_error(
                ctx.args.json,
                &format!("unbinding {did} needs confirmation: run it on a terminal to be asked, or pass --yes"),
            );
            return Outcome::BadInput;
        }
        // Name the device in the question, so the user confirms what they mean.
        let what = match ctx.block_on(client.devices()) {
            Ok(devices) => match devices.iter().find(|d| d.did == did) {
                Some(device) => format!(
                    "\"{}\" ({} {})",
                    device.name, device.product_name, device.sn
                ),
                None => did.to_owned(),
            },
            Err(e) => return ctx.fail(&e),
        };
        eprint!(
            "Unbind {what}? It disappears from your devices and anyone can bind it again. [y/N] "
        );
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = stdin.lock().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES") {
            eprintln!("Not unbound.");
            return Outcome::Success;
        }
    }
    match ctx.block_on(client.unbind(did)) {
        Ok(()) => {
            output::result(
                ctx.args.json,
                || format!("Unbound {did}."),
                || json!({ "unbound": did }),
            );
            Outcome::Success
        }
        Err(e) => ctx.fail(&e),
    }
}
