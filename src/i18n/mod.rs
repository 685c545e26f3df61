//! Everything the app says, in English and Simplified Chinese, in one table per kind of text:
//! screen texts ([`Text`]), the docs/product.md §4 error codes' sentences ([`error_sentence`]) and what is
//! wrong with a typed value ([`problem`]). Screens never hold literal user-facing strings, so
//! a missing translation is a compile error (the `match` is exhaustive) and the tests can walk
//! every entry in both languages. The words for the model's own values (a failure's heading
//! and sentence, a notice, the progress line, the cloud's name) are in `describe.rs`, so the
//! model in [`crate::state`] stays plain data.

mod describe;
mod problems;

pub use crate::lang::Lang;
pub use problems::{error_sentence, field_name, problem};

macro_rules! texts {
    ($($key:ident => $en:expr, $zh:expr;)*) => {
        /// A text of the app's screens. Texts with `{…}` take values through [`fill`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Text {
            $(
                #[doc = concat!("English: `", $en, "`")]
                $key,
            )*
        }

        impl Text {
            /// Every text, so tests can check both languages have all of them.
            pub const ALL: &'static [Text] = &[$(Text::$key,)*];
        }

        /// The text in `lang`.
        pub fn t(lang: Lang, text: Text) -> &'static str {
            match (text, lang) {
                $((Text::$key, Lang::En) => $en, (Text::$key, Lang::ZhCn) => $zh,)*
            }
        }
    };
}

texts! {
    AppName => "Bindery", "Bindery";
    // Sign in / sign up
    SignInTitle => "Sign in", "登录";
    SignUpTitle => "Create an account", "创建账号";
    Email => "Email", "邮箱";
    Password => "Password", "密码";
    PasswordRule => "At least 8 characters.", "至少 8 个字符。";
    SignIn => "Sign in", "登录";
    SignUp => "Create account", "创建账号";
    SigningIn => "Signing in…", "正在登录…";
    SigningUp => "Creating your account…", "正在创建账号…";
    NoAccountYet => "New here? Create an account", "还没有账号？创建一个";
    HaveAccount => "Already have an account? Sign in", "已有账号？登录";
    CloudInUse => "Cloud: {cloud}", "云端：{cloud}";
    // Home
    HomeTitle => "My devices", "我的设备";
    AddDevice => "Add device", "添加设备";
    Refresh => "Refresh", "刷新";
    Refreshing => "Refreshing…", "正在刷新…";
    Loading => "Loading your devices…", "正在加载设备…";
    EmptyTitle => "No devices yet", "还没有设备";
    EmptyHint => "Scan the QR label on a device to add it to your account.", "扫描设备上的二维码标签，把它添加到你的账号。";
    ScanADevice => "Scan a device", "扫描设备";
    JustAdded => "Just added", "刚刚添加";
    Settings => "Settings", "设置";
    // Scan
    ScanTitle => "Scan QR code", "扫描二维码";
    ScanHint => "Point the camera at the QR label on the device or its box.", "将摄像头对准设备或包装盒上的二维码标签。";
    Camera => "Camera", "摄像头";
    SwitchCamera => "Switch camera", "切换摄像头";
    Torch => "Torch", "手电筒";
    OpenImage => "Open image…", "打开图片…";
    EnterCode => "Enter code", "输入代码";
    Cancel => "Cancel", "取消";
    Starting => "Starting the camera…", "正在启动摄像头…";
    NoCameraTitle => "No camera found", "没有找到摄像头";
    NoCameraHint => "This device has no camera we can use. Open a photo of the label, or type the code printed under it.", "此设备没有可用的摄像头。你可以打开标签的照片，或输入标签下方印刷的代码。";
    PermissionTitle => "Camera access is off", "摄像头权限已关闭";
    PermissionHint => "Allow camera access for Bindery in your system settings, or open a photo of the label, or type the code.", "请在系统设置中允许 Bindery 使用摄像头，或打开标签照片，或输入代码。";
    CameraFailed => "The camera stopped: {detail}", "摄像头已停止：{detail}";
    InsecurePageTitle => "The camera needs a secure address", "摄像头需要安全的网址";
    InsecurePageHint => "This browser offers the camera only to pages opened over HTTPS or from localhost. Open the app at such an address, or open a photo of the label, or type the code.", "此浏览器只允许通过 HTTPS 或 localhost 打开的页面使用摄像头。请通过这样的网址打开应用，或打开标签照片，或输入代码。";
    CameraInUse => "The camera is in use by another app or could not start. Close that app and open Scan again.", "摄像头正被其他应用使用或无法启动。请关闭该应用后重新打开扫描。";
    PageBroken => "The page could not show the camera. Reload the page.", "页面无法显示摄像头画面。请重新加载页面。";
    ScannerUnavailable => "The scanner could not be loaded ({detail}). Check the connection and open Scan again, or type the code.", "无法加载扫描器（{detail}）。请检查网络连接后重新打开扫描，或输入代码。";
    PictureScannerUnavailable => "{file} was not read: the scanner could not be loaded ({detail}). Check the connection and try again, or type the code.", "未读取 {file}：无法加载扫描器（{detail}）。请检查网络连接后重试，或输入代码。";
    ImagesUnsupported => "This version of the app cannot read images, so {file} was not opened. Scan with the camera, or type the code printed under the QR code.", "此版本的应用无法读取图片，因此未打开 {file}。请用摄像头扫描，或输入二维码下方印刷的代码。";
    NoCodeInImage => "No QR code was found in {file}. Try a sharper photo, or enter the code.", "在 {file} 中没有找到二维码。请换一张更清晰的照片，或输入代码。";
    ImageUnreadable => "{file} could not be opened as an image: {detail}", "无法将 {file} 作为图片打开：{detail}";
    DemoLabels => "Demo labels (sandbox)", "演示标签（沙盒）";
    DemoLabelsHint => "Labels of the sandbox's demo product. Pick one to scan it.", "沙盒演示产品的标签。选择一个进行扫描。";
    Checking => "Checking the label…", "正在检查标签…";
    // Enter code
    EnterCodeTitle => "Enter code", "输入代码";
    EnterCodeHint => "Type or paste the text under the QR code on the device's label.", "输入或粘贴设备标签上二维码下方的文字。";
    Continue => "Continue", "继续";
    LabelKind => "Kind", "类型";
    ProductKey => "Product key", "产品密钥";
    KindBindery => "Bindery label", "Bindery 标签";
    KindSerial => "Serial-number label", "序列号标签";
    KindBareSn => "Serial number", "序列号";
    GizwitsCode => "Gizwits device code: the cloud decides if it can be bound.", "机智云设备码：由云端判断能否绑定。";
    ShareCode => "This is a share code. Share codes are not supported; scan the device's own label.", "这是分享码。不支持分享码，请扫描设备本身的标签。";
    MatterCode => "This is a Matter pairing code, not a Bindery label. Add Matter devices in your Matter app.", "这是 Matter 配对码，不是 Bindery 标签。请在 Matter 应用中添加 Matter 设备。";
    // The cloud may still know it: a maker can register labels other systems printed.
    NotALabel => "Bindery does not print codes like this. If the device's maker registered its label, Continue finds the device; otherwise scan the code on the device or its box.", "Bindery 不打印此类二维码。若设备厂商已登记此标签，点“继续”即可找到设备；否则请扫描设备或包装盒上的二维码。";
    MalformedLabel => "This does not read as a valid label: {detail}. Continue still asks the cloud, in case the device's maker registered this exact text.", "这不像是有效的标签：{detail}。仍可点击“继续”向云端查询：设备厂商可能登记过这段文字。";
    // Confirm
    ConfirmTitle => "Add this device", "添加此设备";
    Product => "Product", "产品";
    Sn => "SN", "序列号";
    Status => "Status", "状态";
    StatusBindable => "Ready to add to your account.", "可以添加到你的账号。";
    StatusBoundToYou => "Already in your devices. Confirming keeps its current name; rename it on its page.", "已在你的设备中。确认后保留当前名称；可在设备页面中改名。";
    StatusBoundToOther => "This device belongs to another account. Its owner must unbind it before you can add it.", "此设备属于另一个账号。需要其所有者先解绑，你才能添加。";
    StatusNotActivated => "The maker has not activated this device yet, so it cannot be added now. Try again later or contact the maker.", "厂商尚未激活此设备，目前无法添加。请稍后再试或联系厂商。";
    DeviceName => "Device name", "设备名称";
    NamePlaceholder => "e.g. Kitchen plug", "例如：厨房插座";
    NameRule => "1 to 64 characters, no line breaks.", "1 到 64 个字符，不能换行。";
    NameCount => "{n}/64", "{n}/64";
    Confirm => "Confirm", "确认";
    Binding => "Adding the device…", "正在添加设备…";
    ScanAnother => "Scan another", "扫描其他设备";
    // Details
    DetailsTitle => "Device", "设备详情";
    BoundAt => "Added", "添加时间";
    Did => "Device id", "设备 ID";
    Rename => "Rename", "重命名";
    Save => "Save", "保存";
    Saving => "Saving…", "正在保存…";
    Renamed => "Renamed to “{name}”.", "已重命名为“{name}”。";
    Unbind => "Remove from my account", "从我的账号移除";
    UnbindQuestion => "Remove “{name}” from your account? Anyone can add it again by scanning its label.", "要从你的账号移除“{name}”吗？任何人扫描其标签后都可以重新添加。";
    UnbindYes => "Remove", "移除";
    Unbinding => "Removing…", "正在移除…";
    Unbound => "“{name}” was removed from your account.", "已从你的账号移除“{name}”。";
    AlreadyYours => "“{name}” was already in your devices.", "“{name}”已在你的设备中。";
    Back => "Back", "返回";
    // Settings
    SettingsTitle => "Settings", "设置";
    Cloud => "Cloud", "云端";
    Sandbox => "Sandbox (this computer)", "沙盒（本机）";
    CloudUrl => "Cloud address", "云端地址";
    UseCloud => "Use this cloud", "使用此云端";
    UseSandbox => "Use the sandbox", "使用沙盒";
    ResetSandbox => "Reset the sandbox", "重置沙盒";
    ResetSandboxHint => "Deletes the sandbox's accounts and bindings and prints new demo labels.", "删除沙盒中的账号和绑定，并生成新的演示标签。";
    SandboxFailed => "The sandbox on this computer failed: {detail}. Restart the app, or use another cloud in Settings.", "本机沙盒出错：{detail}。请重启应用，或在设置中使用其他云端。";
    SandboxReset => "The sandbox was reset. Create an account to start again.", "沙盒已重置。请创建账号重新开始。";
    Language => "Language", "语言";
    Account => "Account", "账号";
    SignedInAs => "Signed in as {email}", "当前账号：{email}";
    SignOut => "Sign out", "退出登录";
    SigningOut => "Signing out…", "正在退出登录…";
    SignOutEverywhere => "Sign out on all devices", "在所有设备上退出登录";
    SignOutEverywhereHint => "Ends every session of this account, on phones and computers too. Use it after losing a device.", "结束此账号的所有会话，包括手机和电脑上的。丢失设备后请使用。";
    SignedOutEverywhere => "Signed out on all devices. Sign in again to continue here.", "已在所有设备上退出登录。请重新登录以继续使用。";
    SessionKept => "Session kept in: {where}", "会话保存位置：{where}";
    QaSource => "QA camera source", "测试用摄像头来源";
    QaSourceHint => "An image, a folder of images or a .y4m video to use instead of a camera.", "用图片、图片文件夹或 .y4m 视频代替摄像头。";
    UseSource => "Use", "使用";
    RealCamera => "Real camera", "真实摄像头";
    // Errors
    ErrorTitle => "Something went wrong", "出错了";
    RefusedTitle => "The cloud refused", "云端拒绝了请求";
    UnreachableTitle => "Cannot reach the cloud", "无法连接云端";
    Unreachable => "The cloud at {cloud} did not answer. Check your network connection, then retry.", "云端 {cloud} 没有响应。请检查网络连接，然后重试。";
    UnreachableTimeout => "The cloud at {cloud} took too long to answer. Check your network connection, then retry.", "云端 {cloud} 响应超时。请检查网络连接，然后重试。";
    Unreadable => "The cloud answered in a way this app does not understand (status {status}). Check the cloud address in Settings or update the app.", "云端的响应无法识别（状态码 {status}）。请在设置中检查云端地址，或更新应用。";
    BadCloudUrl => "“{url}” is not a cloud address. Use one like https://cloud.example.com or http://127.0.0.1:8080.", "“{url}”不是云端地址。请使用类似 https://cloud.example.com 或 http://127.0.0.1:8080 的地址。";
    RequestId => "Request id: {id}", "请求 ID：{id}";
    RetryAfter => "You can retry in {secs} s.", "{secs} 秒后可以重试。";
    Retry => "Retry", "重试";
    Dismiss => "OK", "知道了";
    SessionWarning => "No system keyring was found: your session is kept in a file readable only by you ({where}).", "没有找到系统钥匙串：你的会话保存在只有你能读取的文件中（{where}）。";
    SessionNotSaved => "Your session could not be saved ({detail}); you will need to sign in again next time.", "无法保存会话（{detail}），下次需要重新登录。";
}

/// Replaces each `{name}` in `template` with its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The text in `lang` with its `{…}` values filled in.
pub fn tf(lang: Lang, text: Text, values: &[(&str, &str)]) -> String {
    fill(t(lang, text), values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bindery_core::ErrorCode;

    #[test]
    fn every_text_and_error_exists_in_both_languages() {
        for &text in Text::ALL {
            let en = t(Lang::En, text);
            let zh = t(Lang::ZhCn, text);
            assert!(!en.is_empty() && !zh.is_empty(), "{text:?}");
            // Placeholders must match, or a value would vanish in one language.
            let holes = |s: &str| {
                let mut v: Vec<String> = s
                    .split('{')
                    .skip(1)
                    .filter_map(|p| p.split_once('}').map(|(h, _)| h.to_owned()))
                    .collect();
                v.sort();
                v
            };
            assert_eq!(holes(en), holes(zh), "{text:?}");
        }
        for code in ErrorCode::ALL {
            assert_ne!(
                error_sentence(Lang::En, code),
                error_sentence(Lang::ZhCn, code)
            );
        }
    }
}
