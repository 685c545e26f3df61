//! What went wrong, in words: the docs/product.md §4 error codes' sentences, the names of the fields a typed
//! value belongs to, and what is wrong with such a value.

use bindery_core::{ErrorCode, Field, Problem, ValueError};

use super::Lang;

/// The sentence for a docs/product.md §4 error code: what happened and what to do.
pub fn error_sentence(lang: Lang, code: ErrorCode) -> &'static str {
    match lang {
        // The core crate's sentence is the English table (the cloud sends it too).
        Lang::En => code.sentence(),
        Lang::ZhCn => match code {
            ErrorCode::InvalidRequest => "请求无法识别。请更新应用后重试。",
            ErrorCode::BadQrContent => "这个二维码不是设备标签。请扫描设备或包装盒上的二维码。",
            ErrorCode::Unauthorized => "你已退出登录或会话已过期。请重新登录。",
            ErrorCode::Forbidden => "你无权执行此操作。请检查所用的账号或密钥。",
            ErrorCode::BadBindCode => "标签上的代码与设备不匹配。请扫描设备本身上的标签。",
            ErrorCode::NotFound => "未找到。请刷新列表后重试。",
            ErrorCode::SnNotFound => "没有此序列号的设备。请检查标签，或联系设备厂商。",
            ErrorCode::SnNotActivated => "厂商尚未激活此设备。请稍后再试或联系厂商。",
            ErrorCode::AlreadyBound => "此设备已绑定到另一个账号。请先让其所有者解绑。",
            ErrorCode::EmailTaken => "该邮箱已注册。请直接登录，或使用其他邮箱。",
            ErrorCode::SnAlreadyPaired => {
                "此设备已与另一个模组配对。请确认模组与标签属于同一台设备。"
            }
            ErrorCode::DeviceKeyInUse => {
                "此模组的 IMEI 或 MAC 已属于另一台设备。请检查模组，或先解除另一台设备的配对。"
            }
            ErrorCode::InvalidName => "该名称不可用。请使用 1 到 64 个字符，不能换行。",
            ErrorCode::PayloadTooLarge => "上传的内容太大。请拆分成较小的文件。",
            ErrorCode::RateLimited => "尝试次数过多。请稍等片刻再试。",
            ErrorCode::Internal => "服务器出错了。请重试；如果问题持续，请带上请求 ID 联系客服。",
            ErrorCode::Unavailable => "服务器繁忙，本次操作未执行。请等几秒后再试。",
        },
    }
}

/// A field's name in `lang`.
pub fn field_name(lang: Lang, field: Field) -> &'static str {
    match (lang, field) {
        (Lang::En, Field::ProductKey) => "product key",
        (Lang::En, Field::Sn) => "SN",
        (Lang::En, Field::DeviceKey) => "DeviceKey",
        (Lang::En, Field::DeviceName) => "device name",
        (Lang::En, Field::BindCode) => "bind code",
        (Lang::En, Field::Email) => "email",
        (Lang::En, Field::Password) => "password",
        (Lang::En, Field::BindPolicy) => "bind policy",
        (Lang::En, Field::LabelForm) => "label form",
        (Lang::ZhCn, Field::ProductKey) => "产品密钥",
        (Lang::ZhCn, Field::Sn) => "序列号",
        (Lang::ZhCn, Field::DeviceKey) => "DeviceKey",
        (Lang::ZhCn, Field::DeviceName) => "设备名称",
        (Lang::ZhCn, Field::BindCode) => "绑定码",
        (Lang::ZhCn, Field::Email) => "邮箱",
        (Lang::ZhCn, Field::Password) => "密码",
        (Lang::ZhCn, Field::BindPolicy) => "绑定策略",
        (Lang::ZhCn, Field::LabelForm) => "标签格式",
    }
}

/// What is wrong with a typed value, as one sentence in `lang` ("The device name is empty.").
pub fn problem(lang: Lang, error: &ValueError) -> String {
    let field = field_name(lang, error.field);
    match lang {
        Lang::En => {
            let what = match &error.problem {
                Problem::Empty => "is empty".to_owned(),
                Problem::TooShort { min, len } => {
                    format!("has {len} characters; at least {min} are needed")
                }
                Problem::TooLong { max, len } => {
                    format!("has {len} characters; at most {max} are allowed")
                }
                Problem::BadCharacter { ch, index } => format!(
                    "cannot contain {} (character {})",
                    describe_char(*ch),
                    index + 1
                ),
                Problem::BadCheckDigit => "has a wrong check digit".to_owned(),
                Problem::BadShape { expected } => format!("is not {expected}"),
            };
            let mut field = field.to_owned();
            if let Some(first) = field.get(..1) {
                field = first.to_uppercase() + &field[1..];
            }
            format!("{field} {what}.")
        }
        Lang::ZhCn => {
            let what = match &error.problem {
                Problem::Empty => "不能为空".to_owned(),
                Problem::TooShort { min, len } => format!("有 {len} 个字符，至少需要 {min} 个"),
                Problem::TooLong { max, len } => format!("有 {len} 个字符，最多允许 {max} 个"),
                Problem::BadCharacter { ch, index } => {
                    format!("不能包含 {}（第 {} 个字符）", describe_char(*ch), index + 1)
                }
                Problem::BadCheckDigit => "校验位错误".to_owned(),
                Problem::BadShape { expected } => format!("格式不对（应为 {expected}）"),
            };
            format!("{field}{what}。")
        }
    }
}

/// A character as a user can recognise it: control characters by their code point.
fn describe_char(ch: char) -> String {
    if ch.is_control() || ch.is_whitespace() || ('\u{200E}'..='\u{206F}').contains(&ch) {
        format!("U+{:04X}", ch as u32)
    } else {
        format!("“{ch}”")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_read_as_sentences() {
        let err = bindery_core::DeviceName::parse("a\nb").unwrap_err();
        assert_eq!(
            problem(Lang::En, &err),
            "Device name cannot contain U+000A (character 2)."
        );
        assert_eq!(
            problem(Lang::ZhCn, &err),
            "设备名称不能包含 U+000A（第 2 个字符）。"
        );
        let err = bindery_core::DeviceName::parse("   ").unwrap_err();
        assert_eq!(problem(Lang::En, &err), "Device name is empty.");
    }
}
