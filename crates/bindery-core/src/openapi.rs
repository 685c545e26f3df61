//! OpenAPI schemas (feature `openapi`) of the types whose serde is written by hand, so a
//! derive cannot see their wire form: the validated strings ([`ProductKey`], [`Sn`],
//! [`DeviceName`], [`Email`], [`Password`], product names) and the closed lists
//! [`BindPolicy`] and [`ErrorCode`]. The types of [`crate::api`] derive theirs, naming these
//! for their raw-string request fields.
//!
//! The patterns say what `parse` takes: a value the document allows is one the cloud
//! accepts, which the contract test (Schemathesis's `positive_data_acceptance`) checks.
//!
//! Only bindery-cloud turns this on, to derive its `/v1/openapi.json`; the limits and lists
//! come from the types themselves, so the document cannot allow what `parse` refuses.

use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::{BindPolicy, DeviceName, Email, ErrorCode, LabelForm, Password, ProductKey, Sn};

/// Control characters (`char::is_control`: Unicode's Cc), as a regex class body.
const CONTROL: &str = r"\u0000-\u001F\u007F-\u009F";
/// The bidirectional controls a device name may not hold, as a regex class body.
const BIDI: &str = r"\u200E\u200F\u202A-\u202E\u2066-\u2069";

/// 1 to `max` characters without `banned` once surrounding whitespace is trimmed.
fn trimmed_text(description: &str, banned: &str, max: usize) -> RefOr<Schema> {
    let pattern = format!(
        r"^\s*[^\s{banned}]([^{banned}]{{0,{}}}[^\s{banned}])?\s*$",
        max - 2
    );
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .pattern(Some(pattern))
        .into()
}

/// The name of a product (`POST /v1/products`): 1–64 characters after trimming, no control
/// characters.
pub fn product_name() -> RefOr<Schema> {
    trimmed_text(
        "1 to 64 characters after trimming, without control characters.",
        CONTROL,
        64,
    )
}

/// Why support unbinds a device (`POST /v1/support/devices/{sn}/unbind`): 3–500 characters
/// after trimming, no control characters but line breaks.
pub fn unbind_reason() -> RefOr<Schema> {
    let banned = r"\u0000-\u0009\u000B-\u001F\u007F-\u009F";
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "3 to 500 characters after trimming, without control characters (line breaks are fine).",
        ))
        .pattern(Some(format!(
            r"^\s*[^\s{banned}][^{banned}]{{1,498}}[^\s{banned}]\s*$"
        )))
        .into()
}

/// A MAC address as `DeviceKey::parse` takes one: 12 hex digits, bare or in the `:`, `-` or
/// `.` spellings.
pub fn mac() -> RefOr<Schema> {
    let hex = "[0-9A-Fa-f]";
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("A MAC address: 12 hex digits, optionally separated by `:`, `-` or `.`."))
        .pattern(Some(format!(
            r"^\s*({hex}{{12}}|{hex}{{2}}(:{hex}{{2}}){{5}}|{hex}{{2}}(-{hex}{{2}}){{5}}|{hex}{{4}}(\.{hex}{{4}}){{2}})\s*$"
        )))
        .into()
}

impl PartialSchema for DeviceName {
    fn schema() -> RefOr<Schema> {
        trimmed_text(
            "A device name: 1 to 64 characters after trimming, without control or \
             bidirectional-override characters.",
            &format!("{CONTROL}{BIDI}"),
            DeviceName::MAX_LEN,
        )
    }
}
impl ToSchema for DeviceName {}

impl PartialSchema for Email {
    fn schema() -> RefOr<Schema> {
        let not = format!(r"\s@{CONTROL}");
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(format!(
                "An email address: one `@`, a dotted domain, no spaces, at most {} characters \
                 once surrounding spaces are trimmed.",
                Email::MAX_LEN
            )))
            // No `maxLength`: it would count the surrounding spaces the cloud trims, and a
            // pattern cannot bound the trimmed length without a look-ahead, which generators
            // (Schemathesis's Hypothesis) can only meet by discarding most of their strings.
            .pattern(Some(format!(
                r"^\s*[^{not}]+@[^{not}.][^{not}]*\.[^{not}]*[^{not}.]\s*$"
            )))
            .into()
    }
}
impl ToSchema for Email {}

impl PartialSchema for Password {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("A password, kept exactly as typed."))
            .min_length(Some(Password::MIN_LEN))
            .max_length(Some(Password::MAX_LEN))
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Password,
            )))
            .into()
    }
}
impl ToSchema for Password {}

/// A string of `min..=max` characters matching `pattern`.
fn text(description: &str, pattern: &str, min: usize, max: usize) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .pattern(Some(pattern))
        .min_length(Some(min))
        .max_length(Some(max))
        .into()
}

/// One of `values`.
fn one_of(description: &str, values: impl IntoIterator<Item = &'static str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(values))
        .into()
}

impl PartialSchema for ProductKey {
    fn schema() -> RefOr<Schema> {
        text(
            "A product key: ASCII letters and digits.",
            "^[A-Za-z0-9]+$",
            ProductKey::MIN_LEN,
            ProductKey::MAX_LEN,
        )
    }
}
impl ToSchema for ProductKey {}

impl PartialSchema for Sn {
    fn schema() -> RefOr<Schema> {
        text(
            "A device serial number: ASCII letters, digits and `-`.",
            "^[A-Za-z0-9-]+$",
            Sn::MIN_LEN,
            Sn::MAX_LEN,
        )
    }
}
impl ToSchema for Sn {}

impl PartialSchema for BindPolicy {
    fn schema() -> RefOr<Schema> {
        one_of(
            "Whether binding needs the label's bind code.",
            [BindPolicy::BindCodeRequired, BindPolicy::SnOnly].map(BindPolicy::as_str),
        )
    }
}
impl ToSchema for BindPolicy {}

impl PartialSchema for LabelForm {
    fn schema() -> RefOr<Schema> {
        one_of(
            "The form a product's labels are printed in: `v2` (Bindery), `quectel_v1` (sn_only \
             products only) or `url` (a link to the cloud's `/b`).",
            LabelForm::ALL.map(LabelForm::as_str),
        )
    }
}
impl ToSchema for LabelForm {}

impl PartialSchema for ErrorCode {
    fn schema() -> RefOr<Schema> {
        one_of(
            "A stable API v1 error code (docs/product.md §4).",
            ErrorCode::ALL.map(ErrorCode::as_str),
        )
    }
}
impl ToSchema for ErrorCode {}

#[cfg(test)]
mod tests {
    use utoipa::openapi::schema::Schema;
    use utoipa::openapi::RefOr;

    use super::*;
    use crate::api::{CreateBatch, MAX_BATCH_COUNT};

    fn json<T: PartialSchema>() -> serde_json::Value {
        serde_json::to_value(T::schema()).unwrap()
    }

    #[test]
    fn error_codes_are_listed_in_full() {
        let listed = json::<ErrorCode>()["enum"].as_array().unwrap().len();
        assert_eq!(listed, ErrorCode::ALL.len());
    }

    #[test]
    fn the_batch_limit_is_the_documented_maximum() {
        let RefOr::T(Schema::Object(batch)) = CreateBatch::schema() else {
            panic!("CreateBatch is an object");
        };
        let count = serde_json::to_value(&batch.properties["count"]).unwrap();
        assert_eq!(count["maximum"], MAX_BATCH_COUNT);
        assert_eq!(count["minimum"], 1);
    }

    #[test]
    fn identifiers_carry_their_limits() {
        let pk = json::<ProductKey>();
        assert_eq!(pk["minLength"], ProductKey::MIN_LEN);
        assert_eq!(pk["maxLength"], ProductKey::MAX_LEN);
        assert_eq!(json::<Sn>()["maxLength"], Sn::MAX_LEN);
    }
}
