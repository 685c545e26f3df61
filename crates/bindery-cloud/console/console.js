// The Bindery console: the Developer Center and the support view in a browser (issue 16).
//
// Plain ES modules, no build step: the cloud serves these files from its own binary, so the
// console works wherever the cloud runs, and `cargo xtask test` adds no bundle to build. It
// speaks API v1 like any client: a session from POST /v1/sessions, and X-Bindery-Org naming
// the organisation the person acts in. Every screen has a URL under /console/ (History API),
// so Back, reload and a pasted link behave.

import { t, setLanguage, language, errorSentence } from "/console/i18n.js";

const root = document.getElementById("console");
const SESSION = "bindery.console.session";
const ORG = "bindery.console.org";

/** What the console knows: the session, the organisations and the one acted in. */
const state = {
  token: localStorage.getItem(SESSION),
  email: localStorage.getItem(SESSION + ".email"),
  orgs: [],
  org: null,
  products: [],
  flash: null,
};

// ---------------------------------------------------------------------------------------
// Talking to the cloud

/** An error answer of the cloud: its code, message and request id. */
class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "internal";
    this.requestId = error.request_id || null;
  }
}

function headers(extra = {}) {
  const h = { ...extra };
  if (state.token) h["Authorization"] = `Bearer ${state.token}`;
  if (state.org) h["X-Bindery-Org"] = state.org.org_id;
  return h;
}

/** A JSON call; resolves to the answer's JSON (null for 204), or throws an ApiError. */
async function api(method, path, body) {
  let answer;
  try {
    answer = await fetch(path, {
      method,
      headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, { error: { code: "network", message: t("network") } });
  }
  if (answer.status === 204) return null;
  const json = await answer.json().catch(() => null);
  if (!answer.ok) {
    const error = new ApiError(answer.status, json);
    if (answer.status === 401 && state.token) signOut(false);
    throw error;
  }
  return json;
}

/** Downloads what `path` answers (a CSV, an XLSX) as `filename`, with the session's headers. */
async function download(path, filename) {
  const answer = await fetch(path, { headers: headers() });
  if (!answer.ok) throw new ApiError(answer.status, await answer.json().catch(() => null));
  saveBlob(await answer.blob(), filename);
}

function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---------------------------------------------------------------------------------------
// Building the page

/** An element: `h("button", {class: "primary", onclick}, "Save")`. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (name === "value") el.value = value;
    else el.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

let fieldSeq = 0;
/** A labelled input. */
function field(label, attrs = {}) {
  const id = attrs.id || `f${++fieldSeq}`;
  const input = attrs.tag === "select" ? h("select", { ...attrs, id, tag: null }, attrs.options || [])
    : attrs.tag === "textarea" ? h("textarea", { ...attrs, id, tag: null })
    : h("input", { ...attrs, id });
  return h("div", { class: "field" }, h("label", { for: id }, label), input);
}

function option(value, label, selected) {
  return h("option", { value, selected: selected ? true : null }, label);
}

/** The error banner of a failed call: what happened, what to do, the request id. */
function errorBanner(error) {
  const sentence = errorSentence(error.code);
  return h("div", { class: "banner error", role: "alert" },
    h("strong", {}, sentence),
    error.message && error.message !== sentence ? h("div", {}, error.message) : null,
    error.requestId ? h("div", {}, t("request_id"), " ", h("span", { class: "rid" }, error.requestId)) : null);
}

/** Runs `work`, showing its error in `slot` (or the page's banner) instead of throwing. */
async function guarded(slot, work) {
  slot.replaceChildren();
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    slot.replaceChildren(errorBanner(error));
    return undefined;
  }
}

function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toLocaleString(language() === "zh-CN" ? "zh-CN" : "en-GB");
}

function table(headings, rows, caption) {
  // Wide tables scroll sideways on a phone; the scrolling box takes focus so a keyboard can
  // scroll it too.
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption || headings.filter(Boolean).join(", ") },
    h("table", {},
      caption ? h("caption", { class: "sr-only" }, caption) : null,
      h("thead", {}, h("tr", {}, headings.map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, rows)));
}

// ---------------------------------------------------------------------------------------
// Routes: /console/<section>[/<id>]

function route() {
  const parts = location.pathname.replace(/^\/console\/?/, "").split("/").filter(Boolean);
  return { section: parts[0] || "", id: parts[1] ? decodeURIComponent(parts[1]) : null,
           query: new URLSearchParams(location.search) };
}

function go(path, replace = false) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  render();
}

function link(path, label, current) {
  return h("a", { href: path, "aria-current": current ? "page" : null,
    onclick: (e) => { if (e.button === 0 && !e.metaKey && !e.ctrlKey) { e.preventDefault(); go(path); } } }, label);
}

window.addEventListener("popstate", render);

function signOut(callCloud = true) {
  if (callCloud && state.token) api("DELETE", "/v1/sessions/current").catch(() => {});
  state.token = null;
  state.org = null;
  localStorage.removeItem(SESSION);
  localStorage.removeItem(SESSION + ".email");
  go("/console/", true);
}

function roleAllows(...roles) {
  return state.org && roles.includes(state.org.role);
}

// ---------------------------------------------------------------------------------------
// The frame: top bar, sections, the page

function frame(page, title) {
  document.title = `${title} · ${t("console")}`;
  document.documentElement.lang = language();
  const { section } = route();
  const languageSelect = h("select", { "aria-label": t("language"),
    onchange: (e) => { setLanguage(e.target.value); render(); } },
    option("en", "English", language() === "en"), option("zh-CN", "简体中文", language() === "zh-CN"));
  const top = h("header", { class: "top" },
    h("span", { class: "brand" }, t("console")),
    state.org && state.orgs.length > 1 ? h("select", { "aria-label": t("organisation"),
      onchange: (e) => { chooseOrg(e.target.value); } },
      state.orgs.map((o) => option(o.org_id, o.name, o.org_id === state.org.org_id))) : null,
    state.org && state.orgs.length <= 1 ? h("span", {}, state.org.name) : null,
    languageSelect,
    state.token ? h("button", { onclick: () => signOut() }, t("sign_out")) : null);
  const sections = state.org ? h("nav", { class: "sections", "aria-label": t("sections") },
    link("/console/products", t("products"), section === "products" || section === ""),
    link("/console/devices", t("devices"), section === "devices"),
    link("/console/tasks", t("tasks"), section === "tasks"),
    roleAllows("owner", "support") ? link("/console/support", t("support"), section === "support") : null,
    roleAllows("owner") ? link("/console/people", t("people"), section === "people") : null,
    roleAllows("owner") ? link("/console/audit", t("audit"), section === "audit") : null,
    h("a", { href: "/doc/" }, t("api_reference")),
    link("/console/orgs", t("organisations"), section === "orgs")) : null;
  const flash = state.flash ? h("div", { class: "banner ok", role: "status" }, state.flash) : null;
  state.flash = null;
  root.replaceChildren(top, sections || "", h("main", { class: "page" }, h("h1", {}, title), flash, page));
}

async function chooseOrg(orgId) {
  state.org = state.orgs.find((o) => o.org_id === orgId) || null;
  if (state.org) localStorage.setItem(ORG, state.org.org_id);
  go("/console/products");
}

async function loadOrgs() {
  const list = await api("GET", "/v1/orgs");
  state.orgs = list.orgs;
  const kept = localStorage.getItem(ORG);
  state.org = state.orgs.find((o) => o.org_id === (state.org?.org_id || kept)) || state.orgs[0] || null;
}

async function loadProducts() {
  state.products = (await api("GET", "/v1/products")).products;
  return state.products;
}

// ---------------------------------------------------------------------------------------
// Sign in / sign up

function signInPage() {
  const slot = h("div");
  let creating = route().section === "sign-up";
  const email = field(t("email"), { type: "email", autocomplete: "username", required: true, name: "email" });
  const password = field(t("password"), { type: "password", required: true, minlength: 8,
    autocomplete: creating ? "new-password" : "current-password", name: "password" });
  const form = h("form", { onsubmit: async (e) => {
    e.preventDefault();
    const creds = { email: email.querySelector("input").value.trim(), password: password.querySelector("input").value };
    await guarded(slot, async () => {
      if (creating) await api("POST", "/v1/users", creds);
      const session = await api("POST", "/v1/sessions", creds);
      state.token = session.token;
      state.email = creds.email;
      localStorage.setItem(SESSION, session.token);
      localStorage.setItem(SESSION + ".email", creds.email);
      await loadOrgs();
      go(state.org ? "/console/products" : "/console/orgs", true);
    });
  } }, email, password, slot,
    h("button", { class: "primary", type: "submit" }, creating ? t("sign_up") : t("sign_in")));
  const other = creating
    ? h("p", {}, t("have_account"), " ", link("/console/sign-in", t("sign_in")))
    : h("p", {}, t("no_account"), " ", link("/console/sign-up", t("sign_up")));
  frame(h("section", { class: "card" }, h("p", { class: "muted" }, t("sign_in_hint")), form, other),
    creating ? t("sign_up") : t("sign_in"));
}

// ---------------------------------------------------------------------------------------
// Organisations

function orgsPage() {
  const slot = h("div");
  const list = h("ul", {}, state.orgs.map((o) => h("li", {},
    h("button", { class: "link", onclick: () => chooseOrg(o.org_id) }, o.name), " ",
    h("span", { class: "muted" }, `(${t("role_" + o.role)})`))));
  const name = field(t("org_name"), { required: true, maxlength: 64, name: "org_name" });
  const create = h("form", { onsubmit: async (e) => {
    e.preventDefault();
    await guarded(slot, async () => {
      const org = await api("POST", "/v1/orgs", { name: name.querySelector("input").value });
      await loadOrgs();
      state.flash = t("org_created");
      chooseOrg(org.org_id);
    });
  } }, name, h("button", { class: "primary", type: "submit" }, t("create_org")));
  const code = field(t("invite_code"), { required: true, name: "invite_code", autocomplete: "off" });
  const join = h("form", { onsubmit: async (e) => {
    e.preventDefault();
    await guarded(slot, async () => {
      const org = await api("POST", "/v1/invites/accept", { code: code.querySelector("input").value });
      await loadOrgs();
      state.flash = t("org_joined");
      chooseOrg(org.org_id);
    });
  } }, code, h("button", { type: "submit" }, t("join")));
  frame([slot,
    state.orgs.length ? h("section", { class: "card" }, h("h2", {}, t("your_orgs")), list) : null,
    h("section", { class: "card" }, h("h2", {}, t("create_org")), h("p", { class: "muted" }, t("create_org_hint")), create),
    h("section", { class: "card" }, h("h2", {}, t("join_org")), h("p", { class: "muted" }, t("join_org_hint")), join),
  ], t("organisations"));
}

// ---------------------------------------------------------------------------------------
// Products

async function productsPage() {
  const slot = h("div");
  frame(slot, t("products"));
  const products = await guarded(slot, loadProducts);
  if (!products) return;
  const rows = products.map((p) => h("tr", {},
    h("td", {}, link(`/console/products/${encodeURIComponent(p.product_key)}`, p.name)),
    h("td", {}, h("code", {}, p.product_key)),
    h("td", {}, t("policy_" + p.bind_policy)),
    h("td", {}, t("form_" + p.label_form)),
    h("td", {}, when(p.created_at))));
  const page = [slot];
  page.push(h("section", { class: "card" }, h("h2", {}, t("your_products")),
    products.length ? table([t("name"), t("product_key"), t("bind_policy"), t("label_form"), t("created")], rows)
      : h("p", { class: "muted" }, t("no_products"))));
  if (roleAllows("owner", "developer")) page.push(newProductForm());
  frame(page, t("products"));
}

function newProductForm() {
  const slot = h("div");
  const name = field(t("name"), { required: true, maxlength: 64, name: "product_name" });
  const pk = field(t("product_key_optional"), { name: "product_key", pattern: "[a-z0-9]{4,32}", autocomplete: "off" });
  const policy = field(t("bind_policy"), { tag: "select", name: "bind_policy", options: [
    option("bind_code_required", t("policy_bind_code_required")), option("sn_only", t("policy_sn_only"))] });
  const form = field(t("label_form"), { tag: "select", name: "label_form", options: [
    option("v2", t("form_v2")), option("quectel_v1", t("form_quectel_v1")), option("url", t("form_url"))] });
  return h("section", { class: "card" }, h("h2", {}, t("new_product")),
    h("form", { onsubmit: async (e) => {
      e.preventDefault();
      const body = { name: name.querySelector("input").value,
        bind_policy: policy.querySelector("select").value, label_form: form.querySelector("select").value };
      const key = pk.querySelector("input").value.trim();
      if (key) body.product_key = key;
      await guarded(slot, async () => {
        const product = await api("POST", "/v1/products", body);
        state.flash = t("product_created");
        go(`/console/products/${encodeURIComponent(product.product_key)}`);
      });
    } }, h("div", { class: "row" }, name, pk, policy, form), slot,
      h("button", { class: "primary", type: "submit" }, t("create_product"))));
}

async function productPage(pk) {
  const slot = h("div");
  frame(slot, pk);
  const products = await guarded(slot, loadProducts);
  if (!products) return;
  const product = products.find((p) => p.product_key === pk);
  if (!product) {
    frame(h("div", { class: "banner error", role: "alert" }, t("no_such_product")), pk);
    return;
  }
  const maker = roleAllows("owner", "developer");
  let batches = batchesCard(product);
  const refreshBatches = () => {
    const fresh = batchesCard(product);
    batches.replaceWith(fresh);
    batches = fresh;
  };
  frame([
    slot,
    maker ? settingsCard(product) : null,
    maker ? generateCard(product, refreshBatches) : null,
    batches,
    maker ? importCard(product) : null,
    h("p", {}, link(`/console/devices?product=${encodeURIComponent(pk)}`, t("see_devices"))),
  ], `${product.name} (${pk})`);
}

function settingsCard(product) {
  const slot = h("div");
  const name = field(t("name"), { value: product.name, required: true, maxlength: 64, name: "settings_name" });
  const form = field(t("label_form"), { tag: "select", name: "settings_form", options: [
    option("v2", t("form_v2"), product.label_form === "v2"),
    option("quectel_v1", t("form_quectel_v1"), product.label_form === "quectel_v1"),
    option("url", t("form_url"), product.label_form === "url")] });
  return h("section", { class: "card" }, h("h2", {}, t("settings")),
    h("p", { class: "muted" }, t("policy_is"), " ", t("policy_" + product.bind_policy)),
    h("form", { onsubmit: async (e) => {
      e.preventDefault();
      await guarded(slot, async () => {
        await api("PATCH", `/v1/products/${product.product_key}`,
          { name: name.querySelector("input").value, label_form: form.querySelector("select").value });
        slot.replaceChildren(h("div", { class: "banner ok", role: "status" }, t("saved")));
      });
    } }, h("div", { class: "row" }, name, form), slot, h("button", { type: "submit" }, t("save"))));
}

function generateCard(product, onMade) {
  const slot = h("div", { "aria-live": "polite" });
  const errors = h("div");
  const count = field(t("how_many"), { type: "number", min: 1, max: 10000, value: 100, required: true, name: "count" });
  const button = h("button", { class: "primary", type: "submit" }, t("generate"));
  return h("section", { class: "card" }, h("h2", {}, t("generate_sn")),
    h("p", { class: "muted" }, t("generate_hint")),
    h("form", { onsubmit: async (e) => {
      e.preventDefault();
      const n = Number(count.querySelector("input").value);
      button.disabled = true;
      const started = Date.now();
      const progress = h("progress", { "aria-label": t("generating") });
      const note = h("p", {}, t("generating_n").replace("{n}", n));
      slot.replaceChildren(note, progress);
      const tick = setInterval(() => {
        note.textContent = `${t("generating_n").replace("{n}", n)} ${Math.round((Date.now() - started) / 1000)} s`;
      }, 500);
      try {
        const batch = await guarded(errors, () => api("POST", `/v1/products/${product.product_key}/sn-batches`, { count: n }));
        slot.replaceChildren();
        if (batch) {
          slot.replaceChildren(
            h("div", { class: "banner ok", role: "status" }, t("batch_ready").replace("{n}", batch.count)),
            h("a", { class: "button", href: batch.download_url, download: `${batch.batch_id}.zip` }, t("download_package")));
          preview(batch.batch_id, slot);
          onMade();
        }
      } finally {
        clearInterval(tick);
        button.disabled = false;
      }
    } }, h("div", { class: "row" }, count), button, errors, slot));
}

/** A few labels of a batch as they will print. */
async function preview(batchId, slot) {
  try {
    const labels = await api("GET", `/v1/sn-batches/${batchId}/preview`);
    slot.append(h("h3", {}, t("preview")), h("div", { class: "labels" }, labels.labels.map((l) =>
      h("figure", {}, h("img", { src: `data:image/png;base64,${l.png_base64}`, alt: t("label_of").replace("{sn}", l.sn) }),
        h("figcaption", {}, h("code", {}, l.sn))))));
  } catch (error) {
    if (error instanceof ApiError) slot.append(errorBanner(error));
  }
}

function batchesCard(product) {
  const card = h("section", { class: "card" }, h("h2", {}, t("batches")));
  const slot = h("div");
  card.append(slot);
  guarded(slot, async () => {
    const list = await api("GET", `/v1/products/${product.product_key}/sn-batches`);
    const rows = list.batches.slice().reverse().map((b) => h("tr", {},
      h("td", {}, h("code", {}, b.batch_id)), h("td", {}, b.count), h("td", {}, when(b.created_at)),
      h("td", {}, h("a", { href: b.download_url, download: `${b.batch_id}.zip` }, t("download")))));
    card.append(rows.length ? table([t("batch"), t("count"), t("created"), t("package")], rows)
      : h("p", { class: "muted" }, t("no_batches")));
  });
  return card;
}

function importCard(product) {
  const slot = h("div", { "aria-live": "polite" });
  let file = null;
  const chosen = h("p", { class: "muted" }, t("no_file"));
  const input = h("input", { type: "file", accept: ".csv,.xlsx,text/csv", "aria-label": t("choose_file"),
    onchange: (e) => { file = e.target.files[0] || null; chosen.textContent = file ? file.name : t("no_file"); } });
  const drop = h("div", { class: "drop",
    ondragover: (e) => { e.preventDefault(); drop.classList.add("over"); },
    ondragleave: () => drop.classList.remove("over"),
    ondrop: (e) => { e.preventDefault(); drop.classList.remove("over");
      file = e.dataTransfer.files[0] || null; chosen.textContent = file ? file.name : t("no_file"); } },
    h("p", {}, t("drop_here")), h("label", { class: "file-button" }, t("choose_file"), input), chosen);
  const mode = field(t("mode"), { tag: "select", name: "mode", options: [
    option("atomic", t("mode_atomic")), option("partial", t("mode_partial"))] });
  const templates = h("p", {}, t("template"), " ",
    h("button", { type: "button", class: "link", onclick: () => guarded(slot, () => download("/v1/import-template?format=csv", "bindery-import-template.csv")) }, "CSV"), " · ",
    h("button", { type: "button", class: "link", onclick: () => guarded(slot, () => download(`/v1/import-template?format=xlsx&lang=${language() === "zh-CN" ? "zh" : "en"}`, "bindery-import-template.xlsx")) }, "XLSX"));
  return h("section", { class: "card" }, h("h2", {}, t("import")), h("p", { class: "muted" }, t("import_hint")), templates,
    h("form", { onsubmit: (e) => {
      e.preventDefault();
      if (!file) { slot.replaceChildren(h("div", { class: "banner error", role: "alert" }, t("choose_file_first"))); return; }
      upload(product, file, mode.querySelector("select").value, slot);
    } }, drop, h("div", { class: "row" }, mode), h("button", { class: "primary", type: "submit" }, t("upload")), slot));
}

/** Uploads an import file with a progress bar, then shows the report. */
function upload(product, file, mode, slot) {
  const bar = h("progress", { max: 100, value: 0, "aria-label": t("uploading") });
  const note = h("p", {}, t("uploading"));
  slot.replaceChildren(note, bar);
  const form = new FormData();
  form.append("file", file, file.name);
  const xhr = new XMLHttpRequest();
  xhr.open("POST", `/v1/products/${product.product_key}/devices/import?mode=${mode}`);
  for (const [name, value] of Object.entries(headers())) xhr.setRequestHeader(name, value);
  xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100); };
  xhr.upload.onload = () => { note.textContent = t("checking_rows"); bar.removeAttribute("value"); };
  xhr.onerror = () => slot.replaceChildren(errorBanner(new ApiError(0, { error: { code: "network", message: t("network") } })));
  xhr.onload = async () => {
    let body = null;
    try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
    if (xhr.status !== 200) { slot.replaceChildren(errorBanner(new ApiError(xhr.status, body))); return; }
    const refused = body.rejected || [];
    const summary = h("div", { class: refused.length ? "banner error" : "banner ok", role: "status" },
      t("import_result").replace("{imported}", body.imported).replace("{refused}", refused.length),
      body.updated ? h("div", {}, t("import_updated").replace("{updated}", body.updated)) : null,
      refused.length && mode === "atomic" ? h("div", {}, t("atomic_nothing")) : null);
    const rows = refused.map((r) => h("tr", {}, h("td", {}, r.row), h("td", {}, r.column),
      h("td", {}, h("code", {}, r.code)), h("td", {}, r.message)));
    slot.replaceChildren(summary);
    if (refused.length) {
      slot.append(table([t("row"), t("column"), t("code"), t("what_to_fix")], rows, t("refused_rows")),
        h("button", { type: "button", onclick: () => refusedFile(file, refused) }, t("download_refused")));
    }
  };
  xhr.send(form);
}

/** The refused rows as a file to fix and upload again: for a CSV the header and the rows
 *  themselves (by the row a spreadsheet shows), plus each row's problem at the end; for an
 *  XLSX, the list of problems. */
async function refusedFile(file, refused) {
  const quote = (s) => /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  if (/\.csv$/i.test(file.name)) {
    const text = await file.text();
    const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
    const problems = new Map();
    for (const r of refused) problems.set(r.row, [...(problems.get(r.row) || []), `${r.column}: ${r.message}`]);
    const out = [lines[0] + "," + quote(t("problem"))];
    for (const [row, messages] of problems) out.push((lines[row - 1] || "") + "," + quote(messages.join("; ")));
    saveBlob(new Blob(["\uFEFF" + out.join("\r\n") + "\r\n"], { type: "text/csv" }), file.name.replace(/\.csv$/i, "") + "-refused.csv");
  } else {
    const out = [[t("row"), t("column"), t("code"), t("what_to_fix")].join(",")];
    for (const r of refused) out.push([r.row, quote(r.column), r.code, quote(r.message)].join(","));
    saveBlob(new Blob(["\uFEFF" + out.join("\r\n") + "\r\n"], { type: "text/csv" }), file.name + "-refused.csv");
  }
}

// ---------------------------------------------------------------------------------------
// Devices

async function devicesPage() {
  const slot = h("div");
  frame(slot, t("devices"));
  const products = await guarded(slot, loadProducts);
  if (!products) return;
  if (!products.length) { frame(h("p", { class: "muted" }, t("no_products")), t("devices")); return; }
  const query = route().query;
  const pk = query.get("product") || products[0].product_key;
  const by = query.get("by") || "sn";
  const q = query.get("q") || "";
  const after = query.get("after") || "";
  const pick = field(t("product"), { tag: "select", name: "product", options: products.map((p) => option(p.product_key, `${p.name} (${p.product_key})`, p.product_key === pk)) });
  const search = field(t("search_prefix"), { type: "search", name: "q", value: q, autocomplete: "off" });
  const kind = field(t("search_by"), { tag: "select", name: "by", options: [option("sn", "SN", by === "sn"), option("device_key", "DeviceKey", by === "device_key")] });
  const params = (extra) => {
    const p = new URLSearchParams({ product: pick.querySelector("select").value, by: kind.querySelector("select").value, q: search.querySelector("input").value.trim(), ...extra });
    for (const [k, v] of [...p]) if (!v) p.delete(k);
    return `/console/devices?${p}`;
  };
  const form = h("form", { role: "search", onsubmit: (e) => { e.preventDefault(); go(params({})); } },
    h("div", { class: "row" }, pick, kind, search, h("button", { class: "primary", type: "submit" }, t("search"))));
  const results = h("div");
  const apiQuery = new URLSearchParams({ limit: "50" });
  if (q) apiQuery.set(by, q);
  if (after) apiQuery.set("after", after);
  frame([form, slot, results, h("button", { type: "button", onclick: () => guarded(slot, () => download(`/v1/products/${pk}/devices/export`, `${pk}-devices.csv`)) }, t("export_csv"))], t("devices"));
  const page = await guarded(slot, () => api("GET", `/v1/products/${encodeURIComponent(pk)}/devices?${apiQuery}`));
  if (!page) return;
  const rows = page.devices.map((d) => h("tr", {},
    h("td", {}, h("code", {}, d.sn)), h("td", {}, d.device_key ? h("code", {}, d.device_key) : "—"),
    h("td", {}, h("span", { class: `status ${d.status}` }, t("status_" + d.status))),
    h("td", {}, d.batch_id || "—"), h("td", {}, when(d.imported_at))));
  results.replaceChildren(
    rows.length ? table(["SN", "DeviceKey", t("status"), t("batch"), t("imported")], rows) : h("p", { class: "muted" }, t("no_devices")),
    h("div", { class: "row" },
      after ? h("button", { type: "button", onclick: () => history.back() }, t("previous")) : null,
      page.next_after ? h("button", { type: "button", onclick: () => go(params({ after: page.next_after })) }, t("next")) : null));
}

// ---------------------------------------------------------------------------------------
// Gizwits-style QR tasks

async function tasksPage() {
  const slot = h("div");
  frame(slot, t("tasks"));
  const products = await guarded(slot, loadProducts);
  if (!products) return;
  if (!products.length) { frame(h("p", { class: "muted" }, t("no_products")), t("tasks")); return; }
  const pk = route().query.get("product") || products[0].product_key;
  const pick = field(t("product"), { tag: "select", name: "product", options: products.map((p) => option(p.product_key, `${p.name} (${p.product_key})`, p.product_key === pk)),
    onchange: (e) => go(`/console/tasks?product=${encodeURIComponent(e.target.value)}`) });
  const start = field(t("start_mac"), { name: "start_mac", placeholder: "a0b1c2000001", autocomplete: "off" });
  const end = field(t("end_mac"), { name: "end_mac", placeholder: "a0b1c20000ff", autocomplete: "off" });
  const list = h("div");
  const create = roleAllows("owner", "developer") ? h("section", { class: "card" }, h("h2", {}, t("new_task")),
    h("p", { class: "muted" }, t("task_hint")),
    h("form", { onsubmit: async (e) => {
      e.preventDefault();
      await guarded(slot, async () => {
        await api("POST", `/qrcode/v1/${pk}/tasks`, { start_mac: start.querySelector("input").value.trim().toLowerCase(), end_mac: end.querySelector("input").value.trim().toLowerCase() });
        slot.replaceChildren(h("div", { class: "banner ok", role: "status" }, t("task_created")));
        showTasks(pk, list);
      });
    } }, h("div", { class: "row" }, start, end), h("button", { class: "primary", type: "submit" }, t("create_task")))) : null;
  frame([h("div", { class: "row" }, pick), slot, create, h("section", { class: "card" }, h("h2", {}, t("task_list")), list)], t("tasks"));
  showTasks(pk, list);
}

async function showTasks(pk, list) {
  await guarded(list, async () => {
    const tasks = await api("GET", `/qrcode/v1/${pk}/tasks?limit=100`);
    const rows = tasks.objects.map((task) => h("tr", {}, h("td", {}, when(new Date(Number(task.created_at) * 1000).toISOString())),
      h("td", {}, h("a", { href: task.file }, task.file.split("?")[0].split("/").pop()))));
    list.replaceChildren(rows.length ? table([t("created"), t("package")], rows) : h("p", { class: "muted" }, t("no_tasks")));
  });
}

// ---------------------------------------------------------------------------------------
// Support

async function supportPage() {
  const slot = h("div");
  const { id, query } = route();
  const q = query.get("q") || "";
  const input = field(t("support_search"), { type: "search", name: "support_q", value: q, autocomplete: "off" });
  const form = h("form", { role: "search", onsubmit: (e) => { e.preventDefault(); go(`/console/support?q=${encodeURIComponent(input.querySelector("input").value.trim())}`); } },
    h("p", { class: "muted" }, t("support_hint")), h("div", { class: "row" }, input, h("button", { class: "primary", type: "submit" }, t("search"))));
  const results = h("div");
  frame([form, slot, results], t("support"));
  if (id) return supportDevice(id, results, slot);
  if (!q) return;
  const found = await guarded(slot, () => api("GET", `/v1/support/search?q=${encodeURIComponent(q)}`));
  if (!found) return;
  // An SN is unique within its product only, so a device's page names both.
  const page = (m) => `/console/support/${encodeURIComponent(m.sn)}?product_key=${encodeURIComponent(m.product_key)}&q=${encodeURIComponent(q)}`;
  if (found.matches.length === 1) { go(page(found.matches[0]), true); return; }
  results.replaceChildren(found.matches.length
    ? table(["SN", t("product"), t("matched")], found.matches.map((m) => h("tr", {},
      h("td", {}, link(page(m), m.sn)),
      h("td", {}, `${m.product_name} (${m.product_key})`), h("td", {}, t("matched_" + m.matched)))))
    : h("p", { class: "muted" }, t("nothing_found")));
}

async function supportDevice(sn, results, slot) {
  const productKey = route().query.get("product_key");
  const device = await guarded(slot, () => api("GET", `/v1/support/devices/${encodeURIComponent(sn)}${productKey ? `?product_key=${encodeURIComponent(productKey)}` : ""}`));
  if (!device) return;
  const highlight = route().query.get("q") || "";
  const facts = h("dl", {},
    h("dt", {}, t("product")), h("dd", {}, `${device.product_name} (${device.product_key})`),
    h("dt", {}, "DeviceKey"), h("dd", {}, device.device_key || t("status_not_activated")),
    h("dt", {}, t("batch")), h("dd", {}, device.batch_id || "—"),
    h("dt", {}, t("imported")), h("dd", {}, when(device.imported_at)),
    h("dt", {}, t("owner_now")), h("dd", {}, device.binding
      ? `${device.binding.account_email} · “${device.binding.name}” · ${when(device.binding.bound_at)}` : t("bound_to_nobody")));
  const attempts = device.attempts.slice().reverse().map((a) => h("tr", { class: a.request_id === highlight ? "highlight" : null },
    h("td", {}, when(a.at)), h("td", {}, a.account || t("not_signed_in")),
    h("td", {}, a.result === "ok" ? t("outcome_ok") : h("span", {}, h("code", {}, a.result), " ", errorSentence(a.result))),
    h("td", {}, h("code", {}, a.request_id)),
    h("td", {}, h("button", { type: "button", class: "link", onclick: () => recording(device, a) }, t("recording")))));
  const unbindSlot = h("div");
  const reason = field(t("reason"), { tag: "textarea", name: "reason", required: true, minlength: 3, maxlength: 500 });
  const unbind = device.binding ? h("section", { class: "card" }, h("h2", {}, t("unbind")), h("p", { class: "muted" }, t("unbind_hint")),
    h("form", { onsubmit: async (e) => {
      e.preventDefault();
      await guarded(unbindSlot, async () => {
        await api("POST", `/v1/support/devices/${encodeURIComponent(device.sn)}/unbind?product_key=${encodeURIComponent(device.product_key)}`, { reason: reason.querySelector("textarea").value });
        state.flash = t("unbound");
        render();
      });
    } }, reason, unbindSlot, h("button", { class: "danger", type: "submit" }, t("unbind")))) : null;
  results.replaceChildren(...[
    h("section", { class: "card" }, h("h2", {}, `SN ${device.sn}`), facts),
    h("section", { class: "card" }, h("h2", {}, t("timeline")),
      attempts.length ? table([t("when"), t("account"), t("outcome"), t("request_id"), ""], attempts) : h("p", { class: "muted" }, t("no_attempts"))),
    unbind,
  ].filter(Boolean));
}

/** A `bindery-cli replay` recording of a bind attempt: the call as the app made it (the
 *  label's secrets masked, as in every trace) and the answer the cloud gave, one JSON line. */
function recording(device, attempt) {
  const ok = attempt.result === "ok";
  const exchange = { trace: {
    method: "POST", path: "/v1/bindings", url: `${location.origin}/v1/bindings`, attempt: 1,
    request_headers: [["authorization", "Bearer ***"], ["content-type", "application/json"]],
    request_body: JSON.stringify({ qr_content: `pk=${device.product_key}&sn=${device.sn}&bc=***&v=2`, name: "***" }),
    status: ok ? 201 : statusOf(attempt.result),
    response_headers: [["x-request-id", attempt.request_id]],
    response_body: ok ? null : JSON.stringify({ error: { code: attempt.result, message: errorSentence(attempt.result), request_id: attempt.request_id } }),
    error: null, elapsed_ms: null,
  } };
  saveBlob(new Blob([JSON.stringify(exchange) + "\n"], { type: "application/x-ndjson" }), `${attempt.request_id}.jsonl`);
}

function statusOf(code) {
  return { bad_qr_content: 400, invalid_name: 400, invalid_request: 400, unauthorized: 401, forbidden: 403,
    bad_bind_code: 403, not_found: 404, sn_not_found: 404, sn_not_activated: 409, already_bound: 409,
    rate_limited: 429, unavailable: 503 }[code] || 500;
}

// ---------------------------------------------------------------------------------------
// People and keys (owners)

async function peoplePage() {
  const slot = h("div");
  frame(slot, t("people"));
  const org = state.org.org_id;
  const [members, keys] = await guarded(slot, () => Promise.all([
    api("GET", `/v1/orgs/${org}/members`), api("GET", `/v1/orgs/${org}/keys`)])) || [];
  if (!members) return;
  const roleSelect = (m) => h("select", { "aria-label": t("role_of").replace("{email}", m.email),
    onchange: (e) => guarded(slot, async () => { await api("PATCH", `/v1/orgs/${org}/members/${m.uid}`, { role: e.target.value }); state.flash = t("saved"); render(); }) },
    ["owner", "developer", "support"].map((r) => option(r, t("role_" + r), r === m.role)));
  const memberRows = members.members.map((m) => h("tr", {}, h("td", {}, m.email), h("td", {}, roleSelect(m)), h("td", {}, when(m.added_at)),
    h("td", {}, h("button", { type: "button", class: "danger-outline", onclick: () => guarded(slot, async () => {
      if (!confirm(t("remove_confirm").replace("{email}", m.email))) return;
      await api("DELETE", `/v1/orgs/${org}/members/${m.uid}`); render(); }) }, t("remove")))));
  const inviteSlot = h("div", { "aria-live": "polite" });
  const inviteRole = field(t("role"), { tag: "select", name: "invite_role", options: [option("developer", t("role_developer")), option("support", t("role_support")), option("owner", t("role_owner"))] });
  const invite = h("form", { onsubmit: async (e) => {
    e.preventDefault();
    await guarded(inviteSlot, async () => {
      const made = await api("POST", `/v1/orgs/${org}/invites`, { role: inviteRole.querySelector("select").value });
      inviteSlot.replaceChildren(h("p", {}, t("invite_shown_once")), h("p", { class: "secret", "data-testid": "invite-code" }, made.code));
    });
  } }, h("div", { class: "row" }, inviteRole), h("button", { type: "submit" }, t("invite")), inviteSlot);
  const keySlot = h("div", { "aria-live": "polite" });
  const keyName = field(t("key_name"), { name: "key_name", required: true, maxlength: 64 });
  const keyRole = field(t("role"), { tag: "select", name: "key_role", options: [option("developer", t("role_developer")), option("support", t("role_support"))] });
  const newKey = h("form", { onsubmit: async (e) => {
    e.preventDefault();
    await guarded(keySlot, async () => {
      const made = await api("POST", `/v1/orgs/${org}/keys`, { name: keyName.querySelector("input").value, role: keyRole.querySelector("select").value });
      state.flash = null;
      await peoplePage();
      document.querySelector("[data-slot=new-key]").replaceChildren(h("p", {}, t("key_shown_once")), h("p", { class: "secret", "data-testid": "new-key" }, made.key));
    });
  } }, h("div", { class: "row" }, keyName, keyRole), h("button", { class: "primary", type: "submit" }, t("create_key")), keySlot);
  const keyRows = keys.keys.map((k) => h("tr", {}, h("td", {}, k.name), h("td", {}, h("code", {}, k.key_id)), h("td", {}, t("role_" + k.role)),
    h("td", {}, when(k.last_used_at)), h("td", {}, k.revoked_at ? `${t("revoked")} ${when(k.revoked_at)}` : t("works")),
    h("td", {}, k.revoked_at ? "" : h("button", { type: "button", class: "danger-outline", onclick: () => guarded(slot, async () => {
      if (!confirm(t("revoke_confirm").replace("{name}", k.name))) return;
      await api("DELETE", `/v1/orgs/${org}/keys/${k.key_id}`); render(); }) }, t("revoke")))));
  frame([slot,
    h("section", { class: "card" }, h("h2", {}, t("people")), table([t("email"), t("role"), t("joined"), ""], memberRows)),
    h("section", { class: "card" }, h("h2", {}, t("invite_someone")), h("p", { class: "muted" }, t("invite_hint")), invite),
    h("section", { class: "card" }, h("h2", {}, t("api_keys")), h("p", { class: "muted" }, t("keys_hint")),
      h("div", { "data-slot": "new-key", "aria-live": "polite" }), newKey,
      keyRows.length ? table([t("name"), t("key_id"), t("role"), t("last_used"), t("state"), ""], keyRows) : h("p", { class: "muted" }, t("no_keys"))),
  ], t("people"));
}

// ---------------------------------------------------------------------------------------
// Audit log (owners)

async function auditPage() {
  const slot = h("div");
  frame(slot, t("audit"));
  const before = route().query.get("before");
  const log = await guarded(slot, () => api("GET", `/v1/orgs/${state.org.org_id}/audit?limit=50${before ? `&before=${encodeURIComponent(before)}` : ""}`));
  if (!log) return;
  const rows = log.events.map((e) => h("tr", {}, h("td", {}, when(e.at)), h("td", {}, e.actor), h("td", {}, h("code", {}, e.action)),
    h("td", {}, h("code", {}, e.target)), h("td", {}, e.detail)));
  frame([slot, rows.length ? table([t("when"), t("who"), t("action"), t("target"), t("detail")], rows) : h("p", { class: "muted" }, t("no_events")),
    h("div", { class: "row" },
      before ? h("button", { type: "button", onclick: () => history.back() }, t("newer")) : null,
      log.next_before ? h("button", { type: "button", onclick: () => go(`/console/audit?before=${encodeURIComponent(log.next_before)}`) }, t("older")) : null)], t("audit"));
}

// ---------------------------------------------------------------------------------------

async function render() {
  const { section, id } = route();
  if (!state.token) {
    if (section !== "sign-in" && section !== "sign-up") history.replaceState(null, "", "/console/sign-in");
    return signInPage();
  }
  if (!state.orgs.length || section === "sign-in" || section === "sign-up") {
    try { await loadOrgs(); } catch (error) { if (!state.token) return; frame(errorBanner(error), t("console")); return; }
    if (section === "sign-in" || section === "sign-up") history.replaceState(null, "", "/console/");
  }
  if (!state.org || section === "orgs") return orgsPage();
  switch (section) {
    case "": case "products": return id ? productPage(id) : productsPage();
    case "devices": return devicesPage();
    case "tasks": return tasksPage();
    case "support": return supportPage();
    case "people": return peoplePage();
    case "audit": return auditPage();
    default: frame(h("p", {}, t("no_such_page")), t("console"));
  }
}

render();
