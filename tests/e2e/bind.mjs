// One browser run of the Bindery web app, driven like a user: Debian's Chromium, a fake
// camera playing a .y4m of a real label, the web build served by a real bindery-cloud.
// tests/app/browser.rs makes the cloud, the labels and the video, runs this once per
// scenario with its settings as JSON in BINDERY_E2E, and checks the JSON line this prints
// last. Screenshots go to the `shots` folder named there.
//
// Scenarios:
//   bind            sign up -> (+) -> Scan -> the SN appears -> name it -> Confirm -> Home
//                   lists it; first scans the label `reps` times to time scan-to-confirm
//                   (first camera frame -> the Confirm screen shows the SN)
//   bound_to_other  the label is someone else's: Confirm explains it, no name box
//   network_down    the cloud cannot be reached: the error says so and Retry recovers
//   open_image      the camera sees no label; "Open image…" picks the label's PNG
//   scanner_missing the scanner's worker script does not arrive (404; no service worker):
//                   the Scan screen and "Open image…" say the scanner could not be loaded;
//                   once it arrives again, opening Scan again starts it and the picked
//                   picture reaches Confirm
//   routes          Back from Confirm returns to a running Scan, a reload of Confirm's
//                   address shows the label again, the label's URL form opened as a link
//                   (/b?…) lands on Confirm, Back from Home leaves no signed-out screen
//                   behind
//   a11y            axe-core on every screen (sign-in, sign-up, Home empty and with a device,
//                   Scan, Enter code, Confirm, the device, Settings) in the context's
//                   language (`locale`): the serious and critical violations, by screen
//   installable     Chromium finds the app installable (manifest, icons, service worker);
//                   with the network cut, a reload opens the kept app, which says it
//                   cannot reach the cloud, and its scanner (never loaded online) still
//                   reads the label the camera shows
//   prerender       the wasm is held back: the Sign-in screen the page carries is there
//                   first (and passes axe); an email typed into it is still in the live
//                   form that replaces it, in the same place, with the focus, and signs up;
//                   signed in, a reload shows no sign-in form on its way to Home
//   update          a new build is deployed (its files copied over the served folder, the
//                   old build's folder removed): offline, the page and every file are the
//                   kept build's; online, the new build's, and its worker replaces the old
//                   cache; offline again, the new build's
//
// `chromium_args` are added to Chromium's command line (the HTTPS run maps a LAN name to the
// cloud and trusts its self-signed certificate by its key).
//
// `device` names one of Playwright's device profiles (viewport, scale, touch, mobile user
// agent); without it, a 390x844 window.

import { chromium, devices } from "playwright-core";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

const config = JSON.parse(process.env.BINDERY_E2E ?? "{}");
const { url, video, image, sn, scenario, shots, chromium: executablePath } = config;
const reps = config.reps ?? 1;
const email = config.email ?? `e2e-${Date.now()}@example.com`;
const password = config.password ?? "correct horse battery";
const WAIT = { timeout: 60_000 };
const FIRST_FRAME_MARK = "bindery:first-frame";

mkdirSync(shots, { recursive: true });
const launchArgs = {
  executablePath,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    `--use-file-for-fake-video-capture=${video}`,
    // The HTTPS run: a LAN name for the cloud and the pin of its self-signed certificate.
    ...(config.chromium_args ?? []),
  ],
};
// Chromium offers to install only from a real profile (a fresh context counts as incognito),
// so the installable scenario runs in a persistent one, in a folder removed afterwards.
const persistent = scenario === "installable";
const profileDir = persistent ? mkdtempSync(join(tmpdir(), "bindery-e2e-")) : null;
const browser = persistent ? null : await chromium.launch(launchArgs);
const result = {
  scenario,
  steps: [],
  scan_to_confirm_ms: [],
  console_errors: [],
  audited: [],
  violations: {},
  layout: {},
};
let page;
let context;
let step = 0;
async function shot(name) {
  step += 1;
  const file = join(shots, `${String(step).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  result.steps.push(name);
}
const text = (selector) => page.locator(selector).first().innerText(WAIT);

// How the screen as it is now sits in a phone user's hand, kept under `name`: where the
// boxes of `targets` are, as fractions of the viewport's height from its top; whether
// anything is wider than the screen; and every visible control smaller than 48 px.
async function layout(name, targets) {
  result.layout[name] = await page.evaluate((targets) => {
    const height = window.innerHeight;
    const boxes = Object.fromEntries(
      targets.map((target) => {
        const box = document.querySelector(target)?.getBoundingClientRect();
        return [target, box ? { top: box.top / height, bottom: box.bottom / height } : null];
      }),
    );
    const controls = document.querySelectorAll("button, input, select, textarea, a[href], .file-button");
    const small = [...controls]
      .filter((control) => control.getClientRects().length > 0 && getComputedStyle(control).opacity !== "0")
      .filter((control) => {
        const box = control.getBoundingClientRect();
        return box.height < 48 || box.width < 48;
      })
      .map((control) => `${control.tagName.toLowerCase()}.${control.className}`);
    return { boxes, wide: document.documentElement.scrollWidth > window.innerWidth, small };
  }, targets);
}

// axe-core's serious and critical violations on the page as it is now, kept under `name`,
// and its layout (above) with the boxes of `targets`.
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
async function audit(name, targets = []) {
  await layout(name, targets);
  await page.addScriptTag({ content: AXE });
  const found = await page.evaluate(async () => {
    const report = await window.axe.run(document, { resultTypes: ["violations"] });
    return report.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) }));
  });
  result.audited.push(name);
  if (found.length > 0) result.violations[name] = found;
}

// Home's "Scan a device" → the Scan screen.
async function openScan() {
  await page.locator(".scan-a-device").click();
  await page.locator(".screen.scan").waitFor(WAIT);
}

// Clicks `button` (which opens Scan, and so a fresh camera) and times the camera's first
// frame → the Confirm screen showing the SN; the time goes to result.scan_to_confirm_ms.
async function timedScan(button) {
  await page.evaluate(
    ([mark, expected]) => {
      performance.clearMarks(mark);
      window.__binderyConfirmAt = null;
      window.__binderyObserver?.disconnect();
      window.__binderyObserver = new MutationObserver(() => {
        const shown = document.querySelector(".screen.confirm .sn");
        if (shown && shown.textContent === expected && window.__binderyConfirmAt === null) {
          window.__binderyConfirmAt = performance.now();
        }
      });
      window.__binderyObserver.observe(document.body, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    },
    [FIRST_FRAME_MARK, sn],
  );
  await page.locator(button).click();
  await page.waitForFunction(() => window.__binderyConfirmAt !== null, null, WAIT);
  const ms = await page.evaluate((mark) => {
    const frames = performance.getEntriesByName(mark);
    return window.__binderyConfirmAt - frames[frames.length - 1].startTime;
  }, FIRST_FRAME_MARK);
  result.scan_to_confirm_ms.push(ms);
}

// Where the boxes of the Sign-in screen's parts are (the first of each in the page: the
// live one when the app is up, else the prerendered one), rounded to whole pixels.
const SIGN_IN_PARTS = [".app-bar h1", ".screen.auth h2", "#email", "#password", ".submit", ".switch-mode", ".cloud-line"];
function signInBoxes() {
  return page.evaluate((parts) => Object.fromEntries(parts.map((part) => {
    const box = document.querySelector(part)?.getBoundingClientRect();
    return [part, box ? [box.x, box.y, box.width, box.height].map(Math.round) : null];
  })), SIGN_IN_PARTS);
}

// The prerendered Sign-in screen, then the live app taking its place.
async function prerender() {
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await page.route("**/*.wasm", async (route) => {
    await held;
    await route.continue();
  });
  // Whether a load ever showed the prerendered form, however briefly.
  await page.addInitScript(() => {
    window.__binderyPrerendered = false;
    new MutationObserver(() => {
      if (document.querySelector("#bindery-boot .screen.auth")) window.__binderyPrerendered = true;
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(`${url}/app/`, { waitUntil: "domcontentloaded" });
  await page.locator("#bindery-boot .screen.auth").waitFor(WAIT);
  result.prerendered_signed_out = await page.evaluate(() => window.__binderyPrerendered);
  result.live_before_wasm = await page.locator("#main *").count();
  result.prerendered_title = await text("#bindery-boot .screen.auth h2");
  result.prerendered_cloud = await text("#bindery-boot .cloud-line");
  result.boxes_prerendered = await signInBoxes();
  await shot("prerendered");
  await audit("prerendered-sign-in");
  await page.locator("#bindery-boot #email").fill(email);
  release();
  await page.locator("#main .screen.auth").waitFor(WAIT);
  await page.waitForFunction(() => !document.getElementById("bindery-boot"), null, WAIT);
  result.boxes_live = await signInBoxes();
  result.live_title = await text("#main .screen.auth h2");
  result.live_cloud = await text("#main .cloud-line");
  result.live_email = await page.locator("#main #email").inputValue();
  result.focused = await page.evaluate(() => document.activeElement?.id ?? null);
  result.email_boxes = await page.locator("#email").count();
  await shot("live");
  // The live form's state has the email typed before it existed: signing up needs it.
  await page.locator(".switch-mode").click();
  await page.locator("#password").fill(password);
  await page.locator(".submit").click();
  await page.locator(".screen.home").waitFor(WAIT);
  await shot("signed-up");
  // Signed in, a start shows no sign-in form on its way to Home.
  await page.reload(WAIT);
  await page.locator(".screen.home").waitFor(WAIT);
  result.prerendered_signed_in = await page.evaluate(() => window.__binderyPrerendered);

  // A press on the copy before the app is live (a slow phone) is made on the live screen
  // when it arrives, not lost: "Create an account" pressed early opens Sign-up.
  const early = await browser.newContext(devices[config.device] ?? {});
  const fresh = await early.newPage();
  let go;
  const wasm = new Promise((resolve) => (go = resolve));
  await fresh.route("**/*.wasm", async (route) => {
    await wasm;
    await route.continue();
  });
  await fresh.goto(`${url}/app/`, { waitUntil: "domcontentloaded" });
  await fresh.locator("#bindery-boot .switch-mode").click();
  go();
  await fresh.locator("#main .screen.auth").waitFor(WAIT);
  await fresh.waitForFunction(() => !document.getElementById("bindery-boot"), null, WAIT);
  // The live screen first shows Sign-in, then the replayed press turns it to Sign-up.
  await fresh.waitForFunction(
    (signIn) => document.querySelector("#main .screen.auth h2")?.textContent.trim() !== signIn,
    result.prerendered_title,
    WAIT,
  );
  result.early_press_title = (await fresh.locator("#main .screen.auth h2").textContent())?.trim();
  await early.close();
}

// Which build the page is and which build folders its files came from (as paths).
async function loaded() {
  return page.evaluate(async () => ({
    build: document.querySelector('meta[name="bindery-build"]')?.content ?? null,
    files: performance
      .getEntriesByType("resource")
      .map((entry) => new URL(entry.name).pathname)
      .filter((path) => path.startsWith("/app/build-")),
    caches: await caches.keys(),
  }));
}

// Reloads the page (offline or not) and waits for the live Sign-in screen.
async function reloadLive(offline) {
  await context.setOffline(offline);
  await page.reload(WAIT);
  await page.locator("#main .screen.auth").waitFor(WAIT);
}

// A deploy between two starts of an installed app.
async function update() {
  await page.goto(`${url}/app/`);
  await page.locator("#main .screen.auth").waitFor(WAIT);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, WAIT);
  result.first = await loaded();
  // The deploy: the new build's files over the served ones, the old build's folder gone.
  cpSync(config.next_root, config.served_root, { recursive: true });
  rmSync(join(config.served_root, result.first.build), { recursive: true, force: true });
  await reloadLive(true);
  result.offline_before_update = await loaded();
  await shot("offline-old-build");
  await reloadLive(false);
  result.online = await loaded();
  // The new worker installs, takes over and drops the old build's cache (waitForFunction
  // cannot wait on a promise, hence the loop in the page).
  result.caches_after_update = await page.evaluate(async ([build, limit]) => {
    const wanted = `bindery-shell-${build}`;
    for (let waited = 0; waited < limit; waited += 250) {
      const names = await caches.keys();
      if (names.length === 1 && names[0] === wanted) return names;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return caches.keys();
  }, [result.online.build, WAIT.timeout]);
  await shot("online-new-build");
  await reloadLive(true);
  result.offline_after_update = await loaded();
  await shot("offline-new-build");
  await context.setOffline(false);
}

try {
  if (config.device && !devices[config.device]) throw new Error(`no device profile ${config.device}`);
  const device = config.device ? devices[config.device] : { viewport: { width: 390, height: 844 } };
  // `viewport` narrows a profile to a smaller phone of the same kind (320 px: the narrowest
  // the app is laid out for).
  const sized = config.viewport ? { ...device, viewport: config.viewport, screen: config.viewport } : device;
  let profile = config.locale ? { ...sized, locale: config.locale } : sized;
  // Without a service worker, a file the network does not deliver stays missing.
  if (scenario === "scanner_missing") profile = { ...profile, serviceWorkers: "block" };
  context = persistent
    ? await chromium.launchPersistentContext(profileDir, { ...launchArgs, ...profile })
    : await browser.newContext(profile);
  // Count the vibration that a successful scan asks for (headless Chromium has no motor).
  await context.addInitScript(() => {
    window.__binderyVibrations = 0;
    navigator.vibrate = () => {
      window.__binderyVibrations += 1;
      return true;
    };
  });
  page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") result.console_errors.push(message.text());
  });
  page.on("pageerror", (error) => result.console_errors.push(String(error)));

  if (scenario === "prerender") {
    await prerender();
  } else if (scenario === "update") {
    await update();
  } else {
    const a11y = scenario === "a11y";
    await page.goto(`${url}/app/`);
    // The live screen, not the prerendered copy: these scenarios are about the app, and an
    // early press on the copy is the prerender scenario's (a slow start keeps only the last
    // press made before the app was live).
    await page.locator("#main .screen.auth").waitFor(WAIT);
    result.first_url = page.url();
    // The camera and the service worker are offered to secure pages only.
    result.secure_context = await page.evaluate(() => window.isSecureContext);
    result.origin = await page.evaluate(() => location.origin);
    result.history_at_start = await page.evaluate(() => history.length);
    await shot("sign-in");
    if (a11y) await audit("sign-in");
    await page.locator(".switch-mode").click();
    await page.locator('input[type="email"]').fill(email);
    await page.locator('input[type="password"]').fill(password);
    await shot("sign-up");
    if (a11y) await audit("sign-up");
    await page.locator(".submit").click();
    await page.locator(".screen.home").waitFor(WAIT);
    await page.locator(".scan-a-device").waitFor(WAIT);
    await shot("home-empty");
    // Signed up in one tab: the sign-in and sign-up forms left no entries behind.
    result.history_after_signup = await page.evaluate(() => history.length);
    if (a11y) await audit("home-empty");

    if (scenario === "bind") {
      // Each scan from a fresh camera (back to Scan from Confirm), timed.
      for (let rep = 0; rep < Math.max(1, reps); rep++) {
        await timedScan(rep === 0 ? ".scan-a-device" : ".app-bar .back");
        if (rep === 0) await shot("confirm");
      }
      result.vibrations = await page.evaluate(() => window.__binderyVibrations);
      result.status = await page.locator(".screen.confirm .status").getAttribute("data-status");
      await page.locator(".name-box").fill("Kitchen plug");
      await shot("named");
      await page.locator(".confirm-bind").click();
      await page.locator(".screen.home .device.highlighted").waitFor(WAIT);
      await shot("home-bound");
      result.home_devices = await page.locator(".devices .device-name").allInnerTexts();
      result.home_meta = await page.locator(".devices .device-meta").allInnerTexts();
    } else if (scenario === "bound_to_other") {
      await timedScan(".scan-a-device");
      result.status = await page.locator(".screen.confirm .status").getAttribute("data-status");
      result.status_text = await text(".screen.confirm .status");
      result.name_boxes = await page.locator(".name-box").count();
      result.scan_another = await page.locator(".scan-another").count();
      await shot("bound-to-other");
    } else if (scenario === "network_down") {
      await page.route("**/v1/**", (route) => route.abort("connectionrefused"));
      await openScan();
      await page.locator(".error-panel").waitFor(WAIT);
      result.error_class = await page.locator(".error-panel").getAttribute("class");
      result.error_text = await text(".error-panel");
      result.retry_buttons = await page.locator(".error-panel .retry").count();
      await shot("network-down");
      // The camera still sees the label; the app leaves the retry to the user.
      await page.waitForTimeout(2500);
      result.error_panels_after_wait = await page.locator(".error-panel").count();
      await page.unroute("**/v1/**");
      await page.locator(".error-panel .retry").click();
      await page.locator(".screen.confirm .sn").waitFor(WAIT);
      result.sn_after_retry = await text(".screen.confirm .sn");
      await shot("after-retry");
    } else if (scenario === "open_image") {
      await openScan();
      await page.locator(".viewfinder.live").waitFor(WAIT);
      // The torch switch is there exactly when the camera's track offers a torch.
      result.camera_has_torch = await page.evaluate(() => {
        const track = document.getElementById("bindery-camera")?.srcObject?.getVideoTracks()[0];
        return track?.getCapabilities?.().torch === true;
      });
      result.torch_buttons = await page.locator(".scan-actions .torch").count();
      await shot("scan-no-label");
      await page.locator(".open-image-file").setInputFiles(image);
      await page.locator(".screen.confirm .sn").waitFor(WAIT);
      result.sn_from_image = await text(".screen.confirm .sn");
      result.status = await page.locator(".screen.confirm .status").getAttribute("data-status");
      await shot("confirm-from-image");
    } else if (scenario === "scanner_missing") {
      await page.route("**/scanner-worker.js", (route) => route.fulfill({ status: 404 }));
      await openScan();
      await page.locator(".viewfinder.stopped").waitFor(WAIT);
      result.scan_note = await text(".viewfinder .camera-note");
      await shot("scanner-missing");
      await page.locator(".open-image-file").setInputFiles(image);
      await page.locator(".error-panel").waitFor(WAIT);
      result.picture_error = await text(".error-panel");
      await shot("picture-scanner-missing");
      await page.unroute("**/scanner-worker.js");
      await page.locator(".cancel").click();
      await page.locator(".screen.home").waitFor(WAIT);
      await openScan();
      await page.locator(".viewfinder.live").waitFor(WAIT);
      await page.locator(".open-image-file").setInputFiles(image);
      await page.locator(".screen.confirm .sn").waitFor(WAIT);
      result.sn_from_image = await text(".screen.confirm .sn");
      await shot("confirm-after-scanner-arrived");
    } else if (scenario === "routes") {
      result.home_url = page.url();
      await timedScan(".scan-a-device");
      // The address follows the screen once it is drawn (an effect after the render, then the
      // browser's report of the history change): wait for it rather than read it at once.
      await page.waitForURL(/\/app\/confirm\?/, WAIT);
      result.confirm_url = page.url();
      await shot("confirm-address");
      // The camera still sees the label, and once the repeat window (1.5 s) is over Scan
      // reads it again and moves on to Confirm: on a loaded machine that can come before a
      // separate read of the address (it did). So the page notes the address itself, the
      // moment the live viewfinder is drawn.
      await page.evaluate(() => {
        window.__binderyBackUrl = null;
        const observer = new MutationObserver(() => {
          if (document.querySelector(".screen.scan .viewfinder.live")) {
            window.__binderyBackUrl = location.href;
            observer.disconnect();
          }
        });
        observer.observe(document.body, { subtree: true, childList: true, attributes: true });
      });
      await page.goBack(WAIT);
      const back = await page.waitForFunction(() => window.__binderyBackUrl, null, WAIT);
      result.back_url = await back.jsonValue();
      await shot("back-to-scan");
      await page.goForward(WAIT);
      await page.locator(".screen.confirm .sn").waitFor(WAIT);
      result.sn_after_forward = await text(".screen.confirm .sn");
      await page.reload(WAIT);
      await page.locator(".screen.confirm .sn").waitFor(WAIT);
      result.sn_after_reload = await text(".screen.confirm .sn");
      result.status_after_reload = await page
        .locator(".screen.confirm .status")
        .getAttribute("data-status");
      await shot("confirm-reloaded");
      // The label printed as a URL, opened as a link (what a phone's camera app does): the
      // cloud's /b sends it on to Confirm, and the bind code leaves the address.
      const fields = new URLSearchParams(config.qr_content);
      fields.delete("v");
      await page.goto(`${url}/b?${fields}`);
      await page.locator(".screen.confirm .sn").waitFor(WAIT);
      result.sn_from_link = await text(".screen.confirm .sn");
      await page.waitForFunction(() => !location.search.includes("bc="), null, WAIT);
      result.link_url = page.url();
      await shot("confirm-from-link");
    } else if (scenario === "a11y") {
      await openScan();
      await page.locator(".screen.scan .viewfinder.live").waitFor(WAIT);
      await shot("a11y-scan");
      await audit("scan", [".scan-actions", ".viewfinder"]);
      await page.locator(".screen.scan .enter-code").click();
      await page.locator(".screen.enter-code").waitFor(WAIT);
      await audit("enter-code");
      await page.locator(".code-box").fill(config.qr_content);
      await page.locator(".continue").click();
      await page.locator(".screen.confirm .sn").waitFor(WAIT);
      await shot("a11y-confirm");
      await audit("confirm", [".confirm-bind", ".name-box"]);
      await page.locator(".name-box").fill("Hall light");
      await page.locator(".confirm-bind").click();
      await page.locator(".screen.home .device.highlighted").waitFor(WAIT);
      await audit("home-devices");
      await page.locator(".device-open").first().click();
      await page.locator(".screen.details .sn").waitFor(WAIT);
      await shot("a11y-details");
      await audit("details");
      await page.locator(".app-bar .settings").click();
      await page.locator(".screen.settings").waitFor(WAIT);
      await shot("a11y-settings");
      await audit("settings");
    } else if (scenario === "installable") {
      await page.evaluate(() => navigator.serviceWorker.ready);
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, WAIT);
      const cdp = await context.newCDPSession(page);
      const manifest = await cdp.send("Page.getAppManifest");
      result.manifest_errors = manifest.errors ?? [];
      const installability = await cdp.send("Page.getInstallabilityErrors");
      result.installability_errors = installability.installabilityErrors ?? [];
      await shot("installable");
      await context.setOffline(true);
      await page.reload(WAIT);
      await page.locator(".error-panel").waitFor(WAIT);
      result.offline_text = await text(".error-panel");
      await shot("offline");
      // The scanner was never started online; offline, its worker and module come from the
      // kept build, and the camera's label is read (the vibration of a read code), after
      // which the check with the cloud fails, as it must.
      const vibrations = await page.evaluate(() => window.__binderyVibrations);
      // Home's toolbar button: the empty list's one waits for the list, which never comes.
      await page.locator(".toolbar .add").click();
      await page.locator(".screen.scan").waitFor(WAIT);
      await page.waitForFunction((before) => window.__binderyVibrations > before, vibrations, WAIT);
      result.offline_scan_read = true;
      result.offline_scanner_notes = await page.locator(".viewfinder.stopped").count();
      await shot("offline-scan");
      await context.setOffline(false);
    } else {
      throw new Error(`unknown scenario ${scenario}`);
    }
  }
  result.ok = true;
} catch (error) {
  result.ok = false;
  result.error = String(error?.stack ?? error);
  if (page) {
    await page.screenshot({ path: join(shots, "failure.png"), fullPage: true }).catch(() => {});
    result.page_text = await page.locator("body").innerText().catch(() => "");
  }
} finally {
  // Playwright gives each launch a fresh profile and removes it on close; the persistent
  // one is ours to remove.
  await (browser ?? context)?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
