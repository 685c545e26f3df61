//! Fuzzes the QR parser: no input may panic, errors keep their input, and a Bindery v2 label
//! written back out parses to the same fields.
#![no_main]

use bindery_core::{qr::format_bindery_v2, parse_qr, QrKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    match parse_qr(&text) {
        Ok(payload) => {
            assert_eq!(payload.raw(), &*text);
            if payload.kind() == QrKind::BinderyV2 {
                let (pk, sn, bc) = (
                    payload.product_key().unwrap(),
                    payload.sn().unwrap(),
                    payload.bind_code().unwrap(),
                );
                let again = parse_qr(&format_bindery_v2(pk, sn, bc)).unwrap();
                assert_eq!(again.content(), payload.content());
            }
        }
        Err(err) => {
            assert_eq!(err.input(), &*text);
            assert!(!err.to_string().is_empty());
        }
    }
});
