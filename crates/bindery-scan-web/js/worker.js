// The web app's scanner worker: the decoder module (built from this crate by `cargo xtask
// web` into the same build folder as this file) running off the page's thread. The app
// (src/host/web/scanner.rs) starts it the first time it scans and keeps it for the rest of
// the visit.
//
// The module comes in two builds: `scanner.js` (and its `scanner_bg.wasm`) uses WebAssembly
// SIMD, which makes each camera frame much cheaper to decode (the README has the figures);
// `scanner-scalar.js` does not, for browsers without SIMD (Safari before 16.4, older
// Chromium-based ones). The worker asks the browser whether it can compile a SIMD
// instruction and imports the build it can run; when that one does not load, it tries the
// other (a bundle may carry only one).
//
// Messages in, each with an `id` that its answer repeats:
//   { id, kind: "frame", feed, width, height, pixels }   a camera frame, packed RGBA (its
//       buffer transferred); `feed` names the camera session: a new one starts a new live
//       decoder. Answer: { id, codes: [text, …] }.
//   { id, kind: "picture", name, bytes }                  a picked photo's file bytes.
//       Answer: { id, text } (text null: no code), or { id, unreadable: reason }.
// Whatever the message, the answer is { id, failed: reason } when the module could not be
// loaded (no network and not kept offline, or no WebAssembly), and { id, crashed: reason }
// when the decoder panicked: a panic aborts a wasm instance, so this worker then closes and
// the app starts a new one for the next frame.

// The smallest module using SIMD: one function of type () -> v128 whose body is
// `i32.const 0; i8x16.splat; end`. A browser without SIMD rejects both the v128 type and
// the instruction. Sections: magic and version; types (1): [] -> [v128 (0x7b)]; functions
// (3): one of type 0; code (10): one body of 6 bytes (no locals, 0x41 0x00, 0xfd 0x0f, 0x0b).
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b,
]);
const simd = (() => {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch (_) {
    return false;
  }
})();
const builds = simd ? ["./scanner.js", "./scanner-scalar.js"] : ["./scanner-scalar.js", "./scanner.js"];

// The decoder's exports once one build has loaded; the first build's failure is the one
// reported when none does (the second is only a fallback).
let scanner = null;
const loaded = (async () => {
  let first = null;
  for (const build of builds) {
    try {
      const module = await import(build);
      await module.default();
      scanner = module;
      return null;
    } catch (error) {
      first ??= String(error?.message ?? error);
    }
  }
  return first;
})();
let live = null;
let liveFeed = null;

self.onmessage = async ({ data }) => {
  const { id } = data;
  const failed = await loaded;
  if (failed !== null) {
    self.postMessage({ id, failed });
    return;
  }
  try {
    if (data.kind === "frame") {
      if (liveFeed !== data.feed) {
        live?.free();
        live = new scanner.LiveScanner();
        liveFeed = data.feed;
      }
      const codes = live.decode_rgba(data.width, data.height, new Uint8Array(data.pixels));
      self.postMessage({ id, codes });
    } else if (data.kind === "picture") {
      const picture = scanner.read_picture(data.name, new Uint8Array(data.bytes));
      const unreadable = picture.unreadable;
      const text = picture.text ?? null;
      picture.free();
      self.postMessage(unreadable ? { id, unreadable } : { id, text });
    } else {
      self.postMessage({ id, failed: `the scanner has no "${data.kind}"` });
    }
  } catch (error) {
    let reason = String(error?.message ?? error);
    try {
      reason = scanner.last_panic() ?? reason;
    } catch (_) {
      // The instance is past asking.
    }
    self.postMessage({ id, crashed: reason });
    self.close();
  }
};
