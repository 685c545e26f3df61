// The console's texts in English and 简体中文. The language follows the browser until the
// person picks one (kept in localStorage). Error codes get a sentence each that says what
// happened and what to do; the cloud's own message (English) is shown under it.

const LANGUAGE = "bindery.console.language";

const en = {
  console: "Bindery console", language: "Language", organisation: "Organisation", sections: "Sections",
  sign_in: "Sign in", sign_up: "Create an account", sign_out: "Sign out", email: "Email", password: "Password",
  sign_in_hint: "Use the same account as in the Bindery app. Makers and support staff work here.",
  have_account: "Already have an account?", no_account: "New here?",
  network: "The cloud could not be reached. Check your connection, then try again.",
  request_id: "Request id:",
  products: "Products", devices: "Devices", tasks: "QR tasks", support: "Support", people: "People & keys",
  audit: "Audit log", api_reference: "API reference", organisations: "Organisations",
  your_orgs: "Your organisations", create_org: "Create an organisation", org_name: "Organisation name",
  create_org_hint: "Products, keys, batches and devices belong to an organisation. You will be its owner.",
  join_org: "Join with an invitation code", invite_code: "Invitation code", join: "Join",
  join_org_hint: "An owner of the organisation gives you a code (inv_…). It works once, for 7 days.",
  org_created: "Organisation created.", org_joined: "You joined the organisation.",
  role_owner: "owner", role_developer: "developer", role_support: "support",
  your_products: "Your products", no_products: "No products yet. Create one below.",
  name: "Name", product_key: "Product key", product_key_optional: "Product key (optional: made for you)",
  bind_policy: "Bind policy", label_form: "Label form", created: "Created",
  policy_bind_code_required: "bind code required (safe)", policy_sn_only: "SN only (legacy labels)",
  policy_is: "Bind policy:",
  form_v2: "Bindery v2", form_quectel_v1: "Quectel v1 (SN only)", form_url: "URL (opens the app)",
  new_product: "New product", create_product: "Create product", product_created: "Product created.",
  no_such_product: "This product is not in your organisation. Pick one from Products.",
  see_devices: "See this product's devices →", settings: "Settings", save: "Save", saved: "Saved.",
  generate_sn: "Generate SN", how_many: "How many SNs (1–10,000)", generate: "Generate",
  generate_hint: "Makes the SNs with their bind codes and a label PNG for each, in one package to download.",
  generating: "Generating", generating_n: "Generating {n} SNs and labels…",
  batch_ready: "{n} SNs are ready.", download_package: "Download the package (zip)",
  preview: "Labels as they will print", label_of: "Label of {sn}",
  batches: "Batches", batch: "Batch", count: "Count", package: "Package", download: "Download",
  no_batches: "No batches yet.",
  import: "Import devices", import_hint: "Upload the DeviceKey↔SN file (CSV or XLSX), as the template has it.",
  template: "Template:", drop_here: "Drop the file here, or", choose_file: "Choose a file", no_file: "No file chosen.",
  choose_file_first: "Choose a file first.", mode: "If some rows are wrong",
  mode_atomic: "import nothing (atomic)", mode_partial: "import the good rows (partial)",
  upload: "Upload and import", uploading: "Uploading…", checking_rows: "Checking the rows…",
  import_result: "{imported} imported, {refused} refused.",
  import_updated: "{updated} devices imported before were given their label or passcode.",
  atomic_nothing: "Atomic mode: nothing was imported. Fix the rows below and upload the file again.",
  refused_rows: "Refused rows", row: "Row", column: "Column", code: "Code", what_to_fix: "What to fix",
  download_refused: "Download the refused rows to fix", problem: "Problem",
  product: "Product", search_prefix: "Starts with", search_by: "Search by", search: "Search",
  status: "Status", imported: "Imported", no_devices: "No devices match.", previous: "← Previous", next: "Next →",
  export_csv: "Export all (CSV)",
  status_not_activated: "not activated", status_activated: "activated", status_bound: "bound",
  new_task: "New QR task", task_hint: "Labels for a MAC range, as Gizwits' QR service makes them (at most 10,000).",
  start_mac: "First MAC", end_mac: "Last MAC", create_task: "Create task", task_created: "Task created: its zip is in the list.",
  task_list: "Tasks", no_tasks: "No tasks yet.",
  support_search: "SN, DeviceKey, request id or email",
  support_hint: "Find a device by what the customer tells you: the SN on the label, the MAC or IMEI, the request id their error screen showed, or their email.",
  matched: "Found by", matched_sn: "SN", matched_device_key: "DeviceKey", matched_request_id: "request id", matched_email: "email",
  nothing_found: "Nothing found in your organisation. Check the spelling, or ask for the request id.",
  owner_now: "Bound to", bound_to_nobody: "nobody", timeline: "Bind attempts", when: "When", account: "Account",
  outcome: "Outcome", outcome_ok: "bound", not_signed_in: "(not signed in)", no_attempts: "No bind attempts yet.",
  recording: "Recording", unbind: "Unbind", reason: "Reason (kept in the audit log)",
  unbind_hint: "Unbind for a customer who sold or lost the device. Say why: the reason is kept.",
  unbound: "Unbound. The device can be bound again.",
  people_title: "People", role: "Role", joined: "Joined", remove: "Remove", role_of: "Role of {email}",
  remove_confirm: "Remove {email} from the organisation?",
  invite_someone: "Invite someone", invite: "Make an invitation code",
  invite_hint: "Give the code to the person; they enter it under Organisations after signing in.",
  invite_shown_once: "The code (shown only now):",
  api_keys: "API keys", keys_hint: "For scripts and the Developer API. A key is shown once: copy it now.",
  key_name: "Key name", create_key: "Create key", key_shown_once: "The new key (shown only now):",
  key_id: "Key id", last_used: "Last used", state: "State", revoked: "revoked", works: "works", revoke: "Revoke",
  revoke_confirm: "Revoke the key “{name}”? Scripts using it stop working at once.", no_keys: "No keys yet.",
  who: "Who", action: "Action", target: "Target", detail: "Detail", no_events: "Nothing recorded yet.",
  older: "Older →", newer: "← Newer", no_such_page: "There is no such page.",
};

const zh = {
  console: "Bindery 控制台", language: "语言", organisation: "组织", sections: "栏目",
  sign_in: "登录", sign_up: "创建账号", sign_out: "退出登录", email: "邮箱", password: "密码",
  sign_in_hint: "使用与 Bindery App 相同的账号。设备厂商和客服人员在这里工作。",
  have_account: "已有账号？", no_account: "第一次使用？",
  network: "无法连接云端。请检查网络后重试。",
  request_id: "请求编号：",
  products: "产品", devices: "设备", tasks: "二维码任务", support: "客服", people: "成员与密钥",
  audit: "审计日志", api_reference: "API 文档", organisations: "组织",
  your_orgs: "你的组织", create_org: "创建组织", org_name: "组织名称",
  create_org_hint: "产品、密钥、批次和设备都属于组织。你将成为它的所有者。",
  join_org: "用邀请码加入", invite_code: "邀请码", join: "加入",
  join_org_hint: "组织的所有者会给你一个邀请码（inv_…），只能使用一次，7 天内有效。",
  org_created: "组织已创建。", org_joined: "你已加入该组织。",
  role_owner: "所有者", role_developer: "开发者", role_support: "客服",
  your_products: "你的产品", no_products: "还没有产品。请在下方创建。",
  name: "名称", product_key: "产品密钥 (ProductKey)", product_key_optional: "产品密钥（可选，留空自动生成）",
  bind_policy: "绑定策略", label_form: "标签格式", created: "创建时间",
  policy_bind_code_required: "需要绑定码（安全）", policy_sn_only: "仅 SN（旧标签）",
  policy_is: "绑定策略：",
  form_v2: "Bindery v2", form_quectel_v1: "移远 v1（仅 SN）", form_url: "网址（打开 App）",
  new_product: "新建产品", create_product: "创建产品", product_created: "产品已创建。",
  no_such_product: "该产品不属于你的组织。请在“产品”中选择。",
  see_devices: "查看该产品的设备 →", settings: "设置", save: "保存", saved: "已保存。",
  generate_sn: "生成 SN", how_many: "数量（1–10,000）", generate: "生成",
  generate_hint: "生成 SN 及其绑定码，并为每个 SN 生成标签 PNG，打包下载。",
  generating: "正在生成", generating_n: "正在生成 {n} 个 SN 和标签…",
  batch_ready: "{n} 个 SN 已生成。", download_package: "下载压缩包 (zip)",
  preview: "标签打印预览", label_of: "{sn} 的标签",
  batches: "批次", batch: "批次", count: "数量", package: "压缩包", download: "下载",
  no_batches: "还没有批次。",
  import: "导入设备", import_hint: "按模板上传 DeviceKey↔SN 文件（CSV 或 XLSX）。",
  template: "模板：", drop_here: "将文件拖到这里，或", choose_file: "选择文件", no_file: "未选择文件。",
  choose_file_first: "请先选择文件。", mode: "如果有错误的行",
  mode_atomic: "全部不导入（原子）", mode_partial: "导入正确的行（部分）",
  upload: "上传并导入", uploading: "正在上传…", checking_rows: "正在检查各行…",
  import_result: "已导入 {imported} 行，拒绝 {refused} 行。",
  import_updated: "{updated} 台此前已导入的设备补充了标签或设备密码。",
  atomic_nothing: "原子模式：未导入任何行。请修改下列行后重新上传。",
  refused_rows: "被拒绝的行", row: "行", column: "列", code: "错误码", what_to_fix: "如何修改",
  download_refused: "下载被拒绝的行以便修改", problem: "问题",
  product: "产品", search_prefix: "开头为", search_by: "搜索字段", search: "搜索",
  status: "状态", imported: "导入时间", no_devices: "没有匹配的设备。", previous: "← 上一页", next: "下一页 →",
  export_csv: "全部导出 (CSV)",
  status_not_activated: "未激活", status_activated: "已激活", status_bound: "已绑定",
  new_task: "新建二维码任务", task_hint: "为一段 MAC 生成标签，与机智云二维码服务相同（最多 10,000 个）。",
  start_mac: "起始 MAC", end_mac: "结束 MAC", create_task: "创建任务", task_created: "任务已创建，压缩包在列表中。",
  task_list: "任务", no_tasks: "还没有任务。",
  support_search: "SN、DeviceKey、请求编号或邮箱",
  support_hint: "按客户提供的信息查找设备：标签上的 SN、MAC 或 IMEI、错误页面显示的请求编号，或客户的邮箱。",
  matched: "匹配字段", matched_sn: "SN", matched_device_key: "DeviceKey", matched_request_id: "请求编号", matched_email: "邮箱",
  nothing_found: "在你的组织中没有找到。请检查拼写，或向客户索取请求编号。",
  owner_now: "绑定到", bound_to_nobody: "无人绑定", timeline: "绑定记录", when: "时间", account: "账号",
  outcome: "结果", outcome_ok: "已绑定", not_signed_in: "（未登录）", no_attempts: "还没有绑定记录。",
  recording: "回放记录", unbind: "解除绑定", reason: "原因（记入审计日志）",
  unbind_hint: "为出售或丢失设备的客户解除绑定。请写明原因，原因会被保存。",
  unbound: "已解除绑定，设备可以重新绑定。",
  people_title: "成员", role: "角色", joined: "加入时间", remove: "移除", role_of: "{email} 的角色",
  remove_confirm: "将 {email} 移出组织？",
  invite_someone: "邀请成员", invite: "生成邀请码",
  invite_hint: "把邀请码交给对方；对方登录后在“组织”中输入。",
  invite_shown_once: "邀请码（仅显示这一次）：",
  api_keys: "API 密钥", keys_hint: "用于脚本和开发者 API。密钥只显示一次，请立即复制。",
  key_name: "密钥名称", create_key: "创建密钥", key_shown_once: "新密钥（仅显示这一次）：",
  key_id: "密钥编号", last_used: "最近使用", state: "状态", revoked: "已吊销", works: "可用", revoke: "吊销",
  revoke_confirm: "吊销密钥“{name}”？使用它的脚本会立即失效。", no_keys: "还没有密钥。",
  who: "操作者", action: "操作", target: "对象", detail: "详情", no_events: "还没有记录。",
  older: "更早 →", newer: "← 更新", no_such_page: "没有这个页面。",
};

const errors = {
  en: {
    invalid_request: "Something in the request is not right. Check the fields, then try again.",
    bad_qr_content: "The label's text could not be read as a Bindery label.",
    unauthorized: "You are signed out or the key is not valid. Sign in again.",
    forbidden: "Your role does not allow this. Ask an owner of the organisation.",
    bad_bind_code: "The label's bind code did not match: the label was copied or mistyped.",
    not_found: "That was not found. Refresh and try again.",
    sn_not_found: "No device has this SN in your organisation.",
    sn_not_activated: "The device's DeviceKey is not imported yet, so it cannot be bound.",
    already_bound: "The device is already bound to another account.",
    email_taken: "An account with this email exists. Sign in instead.",
    invalid_name: "The name is not valid. Use 1 to 64 characters.",
    payload_too_large: "The file is too large. Split it into smaller files.",
    rate_limited: "Too many attempts. Wait a moment, then try again.",
    internal: "The cloud failed. Try again; if it keeps failing, give support the request id.",
    unavailable: "The cloud is busy. Try again in a few seconds.",
    network: "The cloud could not be reached. Check your connection, then try again.",
  },
  "zh-CN": {
    invalid_request: "请求中有内容不正确。请检查各项后重试。",
    bad_qr_content: "无法将标签内容识别为 Bindery 标签。",
    unauthorized: "你已退出登录或密钥无效。请重新登录。",
    forbidden: "你的角色不允许此操作。请联系组织的所有者。",
    bad_bind_code: "标签的绑定码不匹配：标签被复制或输入有误。",
    not_found: "未找到。请刷新后重试。",
    sn_not_found: "你的组织中没有这个 SN 的设备。",
    sn_not_activated: "设备的 DeviceKey 尚未导入，暂时无法绑定。",
    already_bound: "设备已绑定到其他账号。",
    email_taken: "该邮箱已注册，请直接登录。",
    invalid_name: "名称无效。请使用 1 到 64 个字符。",
    payload_too_large: "文件太大。请拆分成较小的文件。",
    rate_limited: "尝试次数过多。请稍候再试。",
    internal: "云端出错。请重试；如果一直失败，请把请求编号告诉客服。",
    unavailable: "云端繁忙。请几秒后重试。",
    network: "无法连接云端。请检查网络后重试。",
  },
};

let current = localStorage.getItem(LANGUAGE)
  || ((navigator.language || "en").toLowerCase().startsWith("zh") ? "zh-CN" : "en");

/** The language in use: `en` or `zh-CN`. */
export function language() {
  return current;
}

/** Switches the language and keeps the choice. */
export function setLanguage(lang) {
  current = lang === "zh-CN" ? "zh-CN" : "en";
  localStorage.setItem(LANGUAGE, current);
}

/** The text `key` in the current language (English when a translation is missing). */
export function t(key) {
  const table = current === "zh-CN" ? zh : en;
  return table[key] ?? en[key] ?? key;
}

/** What an error code means and what to do, in the current language. */
export function errorSentence(code) {
  return errors[current][code] || errors.en[code] || errors[current].internal;
}

/** Every key of both languages, for the test that no text is missing a translation. */
export const keys = { en: Object.keys(en), zh: Object.keys(zh) };
