// The web app's scanner worker: the decoder module (`scanner.js` and `scanner_bg.wasm`, built
// from this crate by `cargo xtask web` into the same build folder as this file) running off
// the page's thread. The app (src/host/web/scanner.rs) starts it the first time it scans and
// keeps it for the rest of the visit.
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
import init, { LiveScanner, read_picture, last_panic } from "./scanner.js";

const loaded = init().then(
  () => null,
  (error) => String(error?.message ?? error),
);
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
        live = new LiveScanner();
        liveFeed = data.feed;
      }
      const codes = live.decode_rgba(data.width, data.height, new Uint8Array(data.pixels));
      self.postMessage({ id, codes });
    } else if (data.kind === "picture") {
      const picture = read_picture(data.name, new Uint8Array(data.bytes));
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
      reason = last_panic() ?? reason;
    } catch (_) {
      // The instance is past asking.
    }
    self.postMessage({ id, crashed: reason });
    self.close();
  }
};
