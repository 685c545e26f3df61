// The browser half of the wasm-vs-native bench (wasm_vs_native.rs): serves the scanner
// module of a web build and the bench's frames on loopback, opens a page in Debian's
// Chromium (headless) and decodes the frames there with the module's live decoder, timed
// with performance.now around each call. The page is cross-origin isolated (COOP/COEP), so
// the browser's clock is fine-grained (5 µs instead of 100 µs).
//
// Settings come as JSON in BINDERY_WASM_BENCH: { build, module, frames: [{ name, file,
// width, height }], reps, warmup, chromium, e2e }; `module` is the glue's name in the build
// folder (`scanner`, the SIMD build, or `scanner-scalar`). Each line "round" on stdin runs one round over
// every frame and prints one JSON line: [{ name, ms: [...], codes: [...] }, ...]; the end
// of stdin closes the browser. Rounds alternate with the native ones, so both see the same
// load on a shared machine.

import { createServer } from "node:http";
import { createReadStream, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { extname, join } from "node:path";

const config = JSON.parse(process.env.BINDERY_WASM_BENCH ?? "{}");
const { chromium } = createRequire(join(config.e2e, "package.json"))("playwright-core");

const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };
const PAGE = "<!doctype html><meta charset=utf-8><title>scanner bench</title>";
const server = createServer((request, response) => {
  const path = decodeURIComponent(new URL(request.url, "http://x").pathname);
  const headers = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cache-Control": "no-store",
  };
  if (path === "/") {
    response.writeHead(200, { ...headers, "Content-Type": "text/html" });
    response.end(PAGE);
    return;
  }
  const frame = config.frames.find((_, i) => path === `/frames/${i}`);
  const file = frame ? frame.file : join(config.build, path.replace(/^\/+/, ""));
  if (path.includes("..") || !existsSync(file)) {
    response.writeHead(404, headers);
    response.end();
    return;
  }
  response.writeHead(200, {
    ...headers,
    "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
  });
  createReadStream(file).pipe(response);
});
await new Promise((listening) => server.listen(0, "127.0.0.1", listening));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: config.chromium,
  args: [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const page = await browser.newPage();
await page.goto(`${origin}/`);
const isolated = await page.evaluate(() => self.crossOriginIsolated);
// The module and the frames, loaded once; the decoders are made per round.
await page.evaluate(async ({ frames, module }) => {
  const scanner = await import(`/${module}.js`);
  await scanner.default();
  window.benchScanner = scanner;
  window.benchFrames = await Promise.all(
    frames.map(async (f, i) => ({
      ...f,
      pixels: new Uint8Array(await (await fetch(`/frames/${i}`)).arrayBuffer()),
    })),
  );
}, {
  frames: config.frames.map(({ name, width, height }) => ({ name, width, height })),
  module: config.module ?? "scanner",
});
process.stderr.write(
  `wasm_page: ${config.module ?? "scanner"}.js in Chromium ${browser.version()}, cross-origin isolated: ${isolated}\n`,
);

const rounds = createInterface({ input: process.stdin });
for await (const line of rounds) {
  if (line.trim() !== "round") continue;
  const results = await page.evaluate(
    ({ reps, warmup }) =>
      window.benchFrames.map((frame) => {
        // One decoder per frame, as the native side keeps: the live effort's pass schedule
        // moves on from call to call the same way on both.
        const live = new window.benchScanner.LiveScanner();
        let codes = [];
        for (let i = 0; i < warmup; i++) codes = live.decode_gray(frame.width, frame.height, frame.pixels);
        const ms = [];
        for (let i = 0; i < reps; i++) {
          const start = performance.now();
          live.decode_gray(frame.width, frame.height, frame.pixels);
          ms.push(performance.now() - start);
        }
        live.free();
        return { name: frame.name, ms, codes };
      }),
    { reps: config.reps, warmup: config.warmup },
  );
  process.stdout.write(JSON.stringify(results) + "\n");
}
await browser.close();
server.close();
