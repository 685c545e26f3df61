//! `bindery-cli qr …`: what a label's text means, without a camera or a cloud.
//!
//! QA uses this to check printed labels and support to read a QR string a customer sent;
//! it runs the very parser the app and the cloud use.

use clap::Subcommand;

use crate::Outcome;

#[derive(Debug, Subcommand)]
pub enum QrCommand {
    /// Parse a label's text and print what it means as one JSON object.
    ///
    /// Prints {"kind", "product_key", "sn", "bind_code", "did", "passcode"} (absent fields as
    /// null) and exits 0; a malformed label prints the problem to stderr and exits 2.
    Parse {
        /// The QR content, exactly as scanned (quote it: it usually contains '&').
        text: String,
    },
}

pub fn run(cmd: QrCommand) -> Outcome {
    match cmd {
        QrCommand::Parse { text } => match bindery_core::parse_qr(&text) {
            Ok(payload) => {
                println!(
                    "{}",
                    serde_json::to_string(&payload).expect("a payload always serialises")
                );
                Outcome::Success
            }
            Err(err) => {
                eprintln!("error: {err}");
                Outcome::BadInput
            }
        },
    }
}
