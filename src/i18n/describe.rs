//! The words for the model's values: the cloud's name, the progress line, a notice, and a
//! failure's heading and sentence.
//!
//! They are methods of the model's types, written here so that every sentence the user reads
//! is in this module and [`crate::state`] holds no text (it would otherwise import i18n, and
//! i18n the model back). Inherent methods may live in any module of the crate; callers write
//! `failure.sentence(lang)` as before.

use crate::state::{Busy, Cloud, Failure, FailureKind, Notice, ScanProblem};

use super::{error_sentence, problem, t, tf, Lang, Text};

impl Cloud {
    /// How Settings and error screens name it.
    pub fn label(&self, lang: Lang) -> String {
        if self.sandbox {
            format!("{} — {}", t(lang, Text::Sandbox), self.url)
        } else {
            self.url.clone()
        }
    }
}

impl Busy {
    /// The progress line's text.
    pub fn text(self) -> Text {
        match self {
            Busy::SigningIn => Text::SigningIn,
            Busy::SigningUp => Text::SigningUp,
            Busy::SigningOut => Text::SigningOut,
            Busy::Refreshing => Text::Refreshing,
            Busy::Inspecting => Text::Checking,
            Busy::Binding => Text::Binding,
            Busy::Renaming => Text::Saving,
            Busy::Unbinding => Text::Unbinding,
        }
    }
}

impl Notice {
    /// The notice line, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Notice::AlreadyYours { name } => tf(lang, Text::AlreadyYours, &[("name", name)]),
            Notice::Renamed { name } => tf(lang, Text::Renamed, &[("name", name)]),
            Notice::Unbound { name } => tf(lang, Text::Unbound, &[("name", name)]),
            Notice::SandboxReset => t(lang, Text::SandboxReset).to_owned(),
            Notice::SignedOutEverywhere => t(lang, Text::SignedOutEverywhere).to_owned(),
        }
    }
}

impl Failure {
    /// The panel's heading: a refusal and an unreachable cloud read differently.
    pub fn title(&self, lang: Lang) -> &'static str {
        match self.kind {
            FailureKind::Refused { .. } => t(lang, Text::RefusedTitle),
            FailureKind::Unreachable { .. } => t(lang, Text::UnreachableTitle),
            _ => t(lang, Text::ErrorTitle),
        }
    }

    /// What happened and what to do, in `lang`.
    pub fn sentence(&self, lang: Lang) -> String {
        let cloud = self.cloud.label(lang);
        match &self.kind {
            FailureKind::Refused {
                code, retry_after, ..
            } => {
                let mut text = error_sentence(lang, *code).to_owned();
                if let Some(wait) = retry_after {
                    text.push(' ');
                    text.push_str(&tf(
                        lang,
                        Text::RetryAfter,
                        &[("secs", &wait.as_secs().max(1).to_string())],
                    ));
                }
                text
            }
            FailureKind::Unreachable { timeout: false } => {
                tf(lang, Text::Unreachable, &[("cloud", &cloud)])
            }
            FailureKind::Unreachable { timeout: true } => {
                tf(lang, Text::UnreachableTimeout, &[("cloud", &cloud)])
            }
            FailureKind::Unreadable { status, .. } => {
                tf(lang, Text::Unreadable, &[("status", &status.to_string())])
            }
            FailureKind::BadCloudUrl { url } => tf(lang, Text::BadCloudUrl, &[("url", url)]),
            FailureKind::Invalid(error) => problem(lang, error),
            FailureKind::Scan(ScanProblem::NoCodeIn { file }) => {
                tf(lang, Text::NoCodeInImage, &[("file", file)])
            }
            FailureKind::Scan(ScanProblem::ImageUnreadable { file, detail }) => tf(
                lang,
                Text::ImageUnreadable,
                &[("file", file), ("detail", detail)],
            ),
            FailureKind::Scan(ScanProblem::ScannerUnavailable { file, detail }) => tf(
                lang,
                Text::PictureScannerUnavailable,
                &[("file", file), ("detail", detail)],
            ),
            FailureKind::Scan(ScanProblem::ImagesUnsupported { file }) => {
                tf(lang, Text::ImagesUnsupported, &[("file", file)])
            }
            FailureKind::Sandbox { detail } => tf(lang, Text::SandboxFailed, &[("detail", detail)]),
        }
    }
}
