// The console (/console/) and the API reference (/doc/) driven like their users, in Debian's
// Chromium against a real bindery-cloud. crates/bindery-cloud/tests/console.rs runs this once
// per phase with its settings as JSON in BINDERY_E2E (the cloud, the files it made between
// phases) and checks the JSON line printed last. Screenshots of every step go to `shots`.
//
// Phases:
//   maker     sign up, create an organisation and a product, generate a batch of `count`
//             SNs (progress, then the package), download the package and the CSV template
//   import    sign in, upload a file with bad rows (atomic): every refused row is named by
//             row, column and code; download the refused rows; upload the fixed file
//   support   find a device by SN and by the request id of a failed bind; unbind it with a
//             reason; the audit log shows the unbind
//   swagger   /doc/: Authorize with a developer key, create a Gizwits task (201), list the
//             tasks, open the zip by its URL in the page
//   a11y      axe-core on every console page in `locale`, at 360 px: serious and critical
//             violations by page, and pages wider than the screen

import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const config = JSON.parse(process.env.BINDERY_E2E ?? "{}");
const { url, shots, phase, email, password } = config;
const WAIT = { timeout: 60_000 };
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: config.chromium,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
const context = await browser.newContext({
  viewport: config.viewport ?? { width: 1280, height: 900 },
  locale: config.locale ?? "en-GB",
  acceptDownloads: true,
});
const page = await context.newPage();
const consoleErrors = [];
page.on("pageerror", (e) => consoleErrors.push(String(e)));
let step = 0;
const shot = async (name) => {
  step += 1;
  await page.screenshot({ path: join(shots, `${String(step).padStart(2, "0")}-${name}.png`), fullPage: true });
};
const result = { ok: false, phase };

async function signIn() {
  await page.goto(`${url}/console/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation").getByRole("link", { name: "Products" }).waitFor(WAIT);
}

async function download(trigger, path) {
  const [file] = await Promise.all([page.waitForEvent("download", WAIT), trigger()]);
  await file.saveAs(path);
  return path;
}

try {
  if (phase === "maker") {
    await page.goto(`${url}/console/`);
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await shot("sign-up");
    await page.getByRole("button", { name: "Create an account" }).click();
    await page.getByLabel("Organisation name").waitFor(WAIT);
    await page.getByLabel("Organisation name").fill("Acme Plugs");
    await shot("organisation");
    await page.getByRole("button", { name: "Create an organisation" }).click();
    await page.getByRole("heading", { name: "New product" }).waitFor(WAIT);
    await page.getByLabel("Name", { exact: true }).fill("Smart Plug");
    await page.getByLabel("Product key (optional: made for you)").fill(config.product_key);
    await shot("new-product");
    await page.getByRole("button", { name: "Create product" }).click();
    await page.getByRole("heading", { name: "Generate SN" }).waitFor(WAIT);
    await page.getByLabel("How many SNs (1–10,000)").fill(String(config.count));
    // The progress shows while the cloud works; a quick batch may replace it before a
    // screenshot could catch it, so an observer notes that it appeared.
    await page.evaluate(() => {
      window.sawProgress = false;
      new MutationObserver(() => {
        if (document.querySelector("progress")) window.sawProgress = true;
      }).observe(document.body, { childList: true, subtree: true });
    });
    const started = Date.now();
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await shot("generating");
    const link = page.getByRole("link", { name: "Download the package (zip)" });
    await link.waitFor({ timeout: 120_000 });
    result.progress_shown = await page.evaluate(() => window.sawProgress);
    result.generate_ms = Date.now() - started;
    await page.locator(".labels img").first().waitFor(WAIT);
    await page.locator("td code", { hasText: /^b_/ }).first().waitFor(WAIT);
    result.preview_labels = await page.locator(".labels img").count();
    await shot("batch-ready");
    result.package = await download(() => link.click(), join(shots, "package.zip"));
    result.template = await download(
      () => page.getByRole("button", { name: "CSV", exact: true }).click(),
      join(shots, "template.csv"));
    result.org_id = await page.evaluate(() => localStorage.getItem("bindery.console.org"));
    result.ok = true;
  } else if (phase === "import") {
    await signIn();
    await page.goto(`${url}/console/products/${config.product_key}`);
    await page.getByRole("heading", { name: "Import devices" }).waitFor(WAIT);
    await page.getByLabel("Choose a file").setInputFiles(config.bad_file);
    await shot("bad-file-chosen");
    await page.getByRole("button", { name: "Upload and import" }).click();
    const refused = page.locator("table", { has: page.locator("caption", { hasText: "Refused rows" }) });
    await refused.locator("tbody tr").first().waitFor(WAIT);
    result.refused = [];
    for (const row of await refused.locator("tbody tr").all()) {
      result.refused.push((await row.locator("td").allTextContents()).map((text) => text.trim()));
    }
    await shot("refused-rows");
    result.refused_file = readFileSync(await download(
      () => page.getByRole("button", { name: "Download the refused rows to fix" }).click(),
      join(shots, "refused.csv")), "utf8");
    await page.getByLabel("Choose a file").setInputFiles(config.fixed_file);
    await page.getByRole("button", { name: "Upload and import" }).click();
    await page.getByText(/imported, 0 refused/).waitFor(WAIT);
    result.imported_text = await page.getByText(/imported, 0 refused/).textContent();
    await shot("imported");
    result.ok = true;
  } else if (phase === "support") {
    await signIn();
    await page.getByRole("link", { name: "Support" }).click();
    const search = page.getByLabel("SN, DeviceKey, request id or email");
    await search.fill(config.sn);
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("heading", { name: `SN ${config.sn}` }).waitFor(WAIT);
    result.owner = await page.locator("dd").nth(4).textContent();
    await shot("found-by-sn");
    await page.getByLabel("SN, DeviceKey, request id or email").fill(config.request_id);
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("heading", { name: `SN ${config.sn}` }).waitFor(WAIT);
    const row = page.locator("tr", { hasText: config.request_id });
    await row.waitFor(WAIT);
    result.attempt = (await row.textContent()).trim();
    await shot("found-by-request-id");
    await page.getByLabel("Reason (kept in the audit log)").fill("Customer sold the plug (ticket 4411)");
    await page.getByRole("button", { name: "Unbind" }).click();
    await page.getByText("Unbound. The device can be bound again.").waitFor(WAIT);
    await shot("unbound");
    await page.getByRole("link", { name: "Audit log" }).click();
    const unbind = page.locator("tr", { hasText: "device.unbind" });
    await unbind.waitFor(WAIT);
    result.audit_unbind = (await unbind.textContent()).trim();
    await shot("audit-log");
    result.ok = true;
  } else if (phase === "swagger") {
    await page.goto(`${url}/doc/`);
    await page.getByRole("button", { name: /Authorize/ }).first().waitFor(WAIT);
    await shot("reference");
    await page.getByRole("button", { name: /Authorize/ }).first().click();
    const scheme = page.locator(".modal-ux .auth-container", { hasText: "developerKey" });
    await scheme.locator("input").first().fill(config.api_key);
    await scheme.locator("button.authorize").click();
    await scheme.getByText("Authorized", { exact: true }).waitFor(WAIT);
    await shot("authorized");
    await page.locator(".modal-ux button.close-modal").click();
    const create = page.locator("#operations-gizwits-create");
    await create.locator(".opblock-summary").click();
    await create.getByRole("button", { name: "Try it out" }).click();
    await create.locator("input[placeholder='pk']").fill(config.product_key);
    await create.locator("textarea.body-param__text").fill(JSON.stringify({ start_mac: "a0b1c2d30001", end_mac: "a0b1c2d30004" }));
    await create.getByRole("button", { name: "Execute" }).click();
    await create.locator(".live-responses-table tbody .response-col_status").first().waitFor(WAIT);
    result.create_status = (await create.locator(".live-responses-table tbody .response-col_status").first().textContent()).trim();
    await shot("task-created");
    const list = page.locator("#operations-gizwits-list");
    await list.locator(".opblock-summary").click();
    await list.getByRole("button", { name: "Try it out" }).click();
    await list.locator("input[placeholder='pk']").fill(config.product_key);
    await list.getByRole("button", { name: "Execute" }).click();
    const body = list.locator(".live-responses-table tbody .highlight-code pre").first();
    await body.waitFor(WAIT);
    const listed = JSON.parse(await body.textContent());
    result.tasks_total = listed.meta.total;
    const file = listed.objects[0].file;
    await shot("task-listed");
    // The zip by its URL, in this page's browser, with no key: a plain navigation.
    const zip = await page.request.get(`${url}${file}`);
    result.zip_status = zip.status();
    result.zip_type = zip.headers()["content-type"];
    result.ok = true;
  } else if (phase === "a11y") {
    const require = createRequire(import.meta.url);
    const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
    await page.addInitScript(`localStorage.setItem("bindery.console.language", ${JSON.stringify(config.language)})`);
    const pages = ["sign-in", "products", `products/${config.product_key}`, "devices", "tasks", "support",
      `support/${config.sn}`, "people", "audit", "orgs"];
    result.violations = {};
    result.too_wide = [];
    result.stray_text = [];
    for (const name of pages) {
      if (name === "products") {
        await page.goto(`${url}/console/sign-in`);
        await page.locator("input[type=email]").fill(email);
        await page.locator("input[type=password]").fill(password);
        await page.locator("button[type=submit]").click();
        await page.locator("nav.sections").waitFor(WAIT);
      }
      await page.goto(`${url}/console/${name}`);
      await page.locator("main.page h1").waitFor(WAIT);
      await page.waitForLoadState("networkidle");
      await page.evaluate(axeSource);
      const found = await page.evaluate(async () => {
        const run = await window.axe.run(document, { resultTypes: ["violations"] });
        return run.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
          .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
      });
      if (found.length) result.violations[name] = found;
      const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
      if (wide) result.too_wide.push(name);
      // A value the page forgot to check shows up as a word a person should never read.
      const text = await page.locator("main").innerText();
      if (/\b(null|undefined|NaN)\b|\[object /.test(text)) result.stray_text.push(name);
      result.lang = await page.evaluate(() => document.documentElement.lang);
      await shot(name.replace(/\//g, "-"));
    }
    result.ok = true;
  }
} catch (error) {
  result.error = String(error && error.stack || error);
  await shot("failure").catch(() => {});
} finally {
  result.page_errors = consoleErrors;
  await browser.close();
  console.log(JSON.stringify(result));
}
