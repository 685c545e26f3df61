//! Which of the label forms of docs/product.md §3 a product prints. Makers migrating from
//! Quectel keep printing Quectel v1 labels on their line, and a URL label opens the app from
//! a phone's own camera; which forms fit which bind policy is decided here, once.

use super::{named_value, BindPolicy, Field, Problem, ValueError};
use crate::qr::{format_bindery_url, format_bindery_v2, format_quectel_v1};
use crate::{BindCode, ProductKey, Sn};

/// The form a product's new labels (SN batches, QR tasks) are printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LabelForm {
    /// `pk=…&sn=…&v=2&bc=…` (the bind code only on `bind_code_required` products).
    #[default]
    BinderyV2,
    /// `pk=…&sn=…&v=1`, Quectel's form: no bind code, so for `sn_only` products only.
    QuectelV1,
    /// `https://<cloud>/b?pk=…&sn=…[&bc=…]`: a phone's camera app opens it.
    Url,
}

/// Why a product cannot print a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelFormError {
    /// Quectel v1 labels carry no bind code, which a `bind_code_required` product needs.
    NeedsBindCode,
    /// URL labels need the cloud's public address, and this cloud has none configured.
    NoPublicUrl,
}

impl std::fmt::Display for LabelFormError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LabelFormError::NeedsBindCode => {
                "quectel_v1 labels carry no bind code, so only sn_only products can print them; \
                 choose v2 or url, or make the product sn_only"
            }
            LabelFormError::NoPublicUrl => {
                "url labels need this cloud's public address, and none is configured; start the \
                 cloud with --public-url https://… (or BINDERY_PUBLIC_URL), or choose v2"
            }
        })
    }
}

impl std::error::Error for LabelFormError {}

impl LabelForm {
    /// Every form, in the order the Developer Center lists them.
    pub const ALL: [LabelForm; 3] = [LabelForm::BinderyV2, LabelForm::QuectelV1, LabelForm::Url];

    /// The form's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            LabelForm::BinderyV2 => "v2",
            LabelForm::QuectelV1 => "quectel_v1",
            LabelForm::Url => "url",
        }
    }

    /// The form named `input` (`v2`, `quectel_v1` or `url`).
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        LabelForm::ALL
            .into_iter()
            .find(|form| form.as_str() == input)
            .ok_or_else(|| {
                ValueError::new(
                    Field::LabelForm,
                    input,
                    Problem::BadShape {
                        expected: "\"v2\", \"quectel_v1\" or \"url\"",
                    },
                )
            })
    }

    /// Whether a product with `policy` can print this form, on a cloud whose public address
    /// is `public_url` (needed by [`LabelForm::Url`]).
    pub fn check(self, policy: BindPolicy, public_url: Option<&str>) -> Result<(), LabelFormError> {
        match (self, policy) {
            (LabelForm::QuectelV1, BindPolicy::BindCodeRequired) => {
                Err(LabelFormError::NeedsBindCode)
            }
            (LabelForm::Url, _) if public_url.is_none() => Err(LabelFormError::NoPublicUrl),
            _ => Ok(()),
        }
    }

    /// A label's text in this form. `bind_code` is printed where the form has room for it
    /// (v2 and URL); `public_url` is the cloud's address, for URL labels (`/b` is appended).
    ///
    /// ```
    /// use bindery_core::{BindCode, LabelForm, ProductKey, Sn};
    ///
    /// let (pk, sn) = (ProductKey::parse("plug01")?, Sn::parse("VDR7098612099028")?);
    /// let code = BindCode::parse("7Q4XK2M9PD")?;
    /// assert_eq!(LabelForm::QuectelV1.text(None, &pk, &sn, Some(&code)), "pk=plug01&sn=VDR7098612099028&v=1");
    /// assert_eq!(
    ///     LabelForm::Url.text(Some("https://bind.example.com/"), &pk, &sn, Some(&code)),
    ///     "https://bind.example.com/b?pk=plug01&sn=VDR7098612099028&bc=7Q4XK2M9PD"
    /// );
    /// # Ok::<(), bindery_core::ValueError>(())
    /// ```
    pub fn text(
        self,
        public_url: Option<&str>,
        product_key: &ProductKey,
        sn: &Sn,
        bind_code: Option<&BindCode>,
    ) -> String {
        match (self, bind_code, public_url) {
            (LabelForm::Url, code, Some(base)) => {
                let base = format!("{}/b", base.trim_end_matches('/'));
                format_bindery_url(&base, product_key, sn, code)
            }
            (LabelForm::BinderyV2 | LabelForm::Url, Some(code), _) => {
                format_bindery_v2(product_key, sn, code)
            }
            // No code to print (an sn_only device), or a URL form without an address (which
            // the cloud refuses with `check` before it makes labels): the SN alone.
            _ => format_quectel_v1(product_key, sn),
        }
    }
}

named_value!(LabelForm);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parse_qr, QrKind};

    #[test]
    fn each_form_prints_a_label_the_parser_reads_back() {
        let pk = ProductKey::parse("plug01").unwrap();
        let sn = Sn::parse("VDR7098612099028").unwrap();
        let code = BindCode::parse("7Q4XK2M9PD").unwrap();
        let base = Some("https://bind.example.com");
        // form, bind code, expected kind, whether the code is on the label
        let cases = [
            (LabelForm::BinderyV2, Some(&code), QrKind::BinderyV2, true),
            (LabelForm::BinderyV2, None, QrKind::QuectelV1, false),
            (LabelForm::QuectelV1, Some(&code), QrKind::QuectelV1, false),
            (LabelForm::QuectelV1, None, QrKind::QuectelV1, false),
            (LabelForm::Url, Some(&code), QrKind::Url, true),
            (LabelForm::Url, None, QrKind::Url, false),
        ];
        for (form, bind_code, kind, carries_code) in cases {
            let text = form.text(base, &pk, &sn, bind_code);
            let parsed = parse_qr(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(parsed.kind(), kind, "{text}");
            assert_eq!(parsed.product_key(), Some(&pk), "{text}");
            assert_eq!(parsed.sn(), Some(&sn), "{text}");
            assert_eq!(parsed.bind_code().is_some(), carries_code, "{text}");
        }
    }

    #[test]
    fn forms_a_policy_cannot_print_are_refused_with_what_to_do() {
        use BindPolicy::{BindCodeRequired, SnOnly};
        let url = Some("https://bind.example.com");
        let cases = [
            (LabelForm::BinderyV2, BindCodeRequired, None, Ok(())),
            (LabelForm::BinderyV2, SnOnly, None, Ok(())),
            (LabelForm::QuectelV1, SnOnly, None, Ok(())),
            (
                LabelForm::QuectelV1,
                BindCodeRequired,
                url,
                Err(LabelFormError::NeedsBindCode),
            ),
            (LabelForm::Url, BindCodeRequired, url, Ok(())),
            (LabelForm::Url, SnOnly, url, Ok(())),
            (
                LabelForm::Url,
                SnOnly,
                None,
                Err(LabelFormError::NoPublicUrl),
            ),
        ];
        for (form, policy, public_url, expected) in cases {
            assert_eq!(form.check(policy, public_url), expected, "{form} {policy}");
        }
        assert!(LabelFormError::NoPublicUrl
            .to_string()
            .contains("--public-url"));
    }

    #[test]
    fn names_round_trip_and_others_are_refused() {
        for form in LabelForm::ALL {
            assert_eq!(LabelForm::parse(form.as_str()), Ok(form));
        }
        let error = LabelForm::parse("v1").unwrap_err();
        assert_eq!(error.field, Field::LabelForm);
        assert_eq!(error.input, "v1");
    }
}
