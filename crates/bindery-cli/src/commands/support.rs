//! `support device SN` and `support request REQUEST_ID`: the support view of docs/product.md §4,
//! for staff holding a support key — an SN (or the SN read from a customer's QR string) or
//! the request id from a customer's error screen is enough to see what happened.

use bindery_core::api::SupportDevice;
use clap::Subcommand;
use serde_json::json;

use crate::context::Context;
use crate::output;
use crate::Outcome;

#[derive(Debug, Subcommand)]
pub enum SupportCommand {
    /// Product, DeviceKey, batch, current owner and every bind attempt of one device.
    Device {
        /// The SN, or a whole QR string as the customer scanned it.
        sn: String,
        /// The device's product, needed only when several products have this SN (a QR
        /// string names its product already).
        #[arg(long)]
        product_key: Option<String>,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// The bind attempt answered with this request id.
    Request {
        /// The request id shown on the customer's error screen.
        request_id: String,
        #[command(flatten)]
        key: KeyArgs,
    },
}

#[derive(Debug, clap::Args)]
pub struct KeyArgs {
    /// The support key (made with `bindery-cloud dev-key create --support`).
    #[arg(long, env = "BINDERY_API_KEY", hide_env_values = true)]
    pub api_key: String,
}

/// A customer may paste the QR string instead of the SN: take the SN, and the product the
/// label names, out of it.
fn sn_of(text: &str) -> (String, Option<String>) {
    match bindery_core::parse_qr(text) {
        Ok(payload) => (
            payload
                .sn()
                .map(|sn| sn.to_string())
                .unwrap_or_else(|| text.trim().to_owned()),
            payload.product_key().map(|pk| pk.to_string()),
        ),
        Err(_) => (text.trim().to_owned(), None),
    }
}

fn device_text(device: &SupportDevice) -> String {
    let mut text = format!(
        "SN {}\n  product: {} ({})\n  DeviceKey: {}\n  batch: {}\n  imported: {}\n",
        device.sn,
        device.product_name,
        device.product_key,
        device
            .device_key
            .as_deref()
            .unwrap_or("— (not imported: cannot be bound)"),
        device.batch_id.as_deref().unwrap_or("—"),
        device
            .imported_at
            .map(output::time_text)
            .unwrap_or_else(|| "—".to_owned()),
    );
    match &device.binding {
        Some(binding) => text.push_str(&format!(
            "  bound to: {} as \"{}\" since {}\n",
            binding.account_email,
            binding.name,
            output::time_text(binding.bound_at)
        )),
        None => text.push_str("  bound to: nobody\n"),
    }
    text.push_str(&format!("  bind attempts ({}):", device.attempts.len()));
    for attempt in &device.attempts {
        text.push_str(&format!(
            "\n    {}  {:<14}  {:<28}  request {}",
            output::time_text(attempt.at),
            attempt.result,
            attempt.account.as_deref().unwrap_or("(not signed in)"),
            attempt.request_id
        ));
    }
    text
}

pub fn run(ctx: &Context, command: SupportCommand) -> Outcome {
    match command {
        SupportCommand::Device {
            sn,
            product_key,
            key,
        } => {
            let client = ctx.client().with_api_key(Some(key.api_key));
            let (sn, labelled) = sn_of(&sn);
            let product_key = product_key.map(|pk| pk.trim().to_owned()).or(labelled);
            match ctx.block_on(client.support_device(&sn, product_key.as_deref())) {
                Ok(device) => {
                    output::result(ctx.args.json, || device_text(&device), || json!(device));
                    Outcome::Success
                }
                Err(e) => ctx.fail(&e),
            }
        }
        SupportCommand::Request { request_id, key } => {
            let client = ctx.client().with_api_key(Some(key.api_key));
            match ctx.block_on(client.support_request(request_id.trim())) {
                Ok(attempt) => {
                    output::result(
                        ctx.args.json,
                        || serde_json::to_string_pretty(&attempt).unwrap_or_default(),
                        || attempt.clone(),
                    );
                    Outcome::Success
                }
                Err(e) => ctx.fail(&e),
            }
        }
    }
}
