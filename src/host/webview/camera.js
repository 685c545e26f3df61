// The page side of the webview camera (src/host/webview/mod.rs is the Rust side). Run with
// Dioxus's eval: the first message from Rust is the request, then each "next" asks for one
// frame and "stop" ends the camera; {torch: bool} switches a phone's torch. Messages to
// Rust: {kind: "failed", name, message}, then {kind: "live", name, cameras, torch}, then
// one {kind: "frame", width, height, gray} per "next" (gray: the frame's 8-bit luma,
// base64, or an array of numbers when the request's encoding says "array"), and {kind: "ended"} when the camera stops on its own.
//
// The preview is the screen's own <video>, played by the webview; only frames the decoder
// asked for cross to Rust, so a slow decoder never queues them (latest frame wins).
// The last message waits for Rust's answer before the script ends: once it ends, Dioxus
// soon forgets its channel (the page's garbage collector tells it to), and Rust could
// not read that message any more.
const last = async (message) => {
  dioxus.send(message);
  await dioxus.recv();
};
// Any exception ends the camera with a message, so the Rust side never waits on a dead script.
try {
  const request = await dioxus.recv();
  const media = navigator.mediaDevices;
  if (!media || !media.getUserMedia) {
    // Webviews, like browsers, offer the camera only to secure pages.
    await last({ kind: "failed", name: "NoMediaDevices", message: "" });
    return;
  }
  const cameras = async () => {
    try {
      return (await media.enumerateDevices()).filter((d) => d.kind === "videoinput");
    } catch (_) {
      return [];
    }
  };
  const before = await cameras();
  const video = { width: { ideal: 1280 }, height: { ideal: 720 } };
  const chosen = before[request.index];
  if (chosen && chosen.deviceId) {
    video.deviceId = { exact: chosen.deviceId };
  } else {
    // The back camera: the one that faces the label, on a phone.
    video.facingMode = { ideal: "environment" };
  }
  let stream;
  try {
    stream = await media.getUserMedia({ audio: false, video });
  } catch (error) {
    await last({ kind: "failed", name: String(error && error.name || ""), message: String(error && error.message || error) });
    return;
  }
  const track = stream.getVideoTracks()[0];
  const stopCamera = () => stream.getTracks().forEach((t) => t.stop());

  // The Scan screen's <video> may still be on its way to the page.
  const nextPaint = () => new Promise((resolve) => requestAnimationFrame(resolve));
  let element = null;
  for (let i = 0; i < 120 && !element; i++) {
    element = document.getElementById(request.video_id);
    if (!element) await nextPaint();
  }
  if (!element) {
    stopCamera();
    await last({ kind: "failed", name: "NoVideoElement", message: "" });
    return;
  }
  element.muted = true;
  element.srcObject = stream;
  element.play().catch(() => {});
  const capabilities = track && track.getCapabilities ? track.getCapabilities() : {};
  dioxus.send({
    kind: "live",
    name: track ? track.label : "",
    // Before permission some webviews list no cameras (or unnamed ones); count again.
    cameras: Math.max((await cameras()).length, 1),
    torch: !!capabilities.torch,
  });

  // A frame newer than the last one sent, or nothing after 200 ms (a stopped or hidden video
  // must not keep the loop from hearing "stop"). requestVideoFrameCallback says so where the
  // webview calls it back; WebKitGTK without compositing never does, so a new currentTime,
  // looked at every paint, says so too.
  let sentTime = -1;
  const nextFrame = () => new Promise((resolve) => {
    let done = false;
    const finish = (shown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(shown);
    };
    const timer = setTimeout(() => finish(false), 200);
    if (element.requestVideoFrameCallback) element.requestVideoFrameCallback(() => finish(true));
    const look = () => {
      if (done) return;
      if (element.currentTime !== sentTime) finish(true);
      else requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  });
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const base64 = (bytes) => {
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(text);
  };
  try {
    for (;;) {
      const message = await dioxus.recv();
      if (message === "stop") break;
      if (message && typeof message.torch === "boolean") {
        if (track && track.applyConstraints) {
          track.applyConstraints({ advanced: [{ torch: message.torch }] }).catch(() => {});
        }
        continue;
      }
      // "next": the newest frame the video shows once it has a new one.
      let shown = false;
      while (!shown) {
        if (track && track.readyState === "ended") {
          await last({ kind: "ended" });
          return;
        }
        shown = (await nextFrame()) && element.readyState >= 2 && element.videoWidth > 0;
      }
      const scale = Math.min(1, request.max_width / element.videoWidth);
      const width = Math.max(1, Math.round(element.videoWidth * scale));
      const height = Math.max(1, Math.round(element.videoHeight * scale));
      if (canvas.width !== width || canvas.height !== height) {
        canvas.width = width;
        canvas.height = height;
      }
      sentTime = element.currentTime;
      context.drawImage(element, 0, 0, width, height);
      const rgba = context.getImageData(0, 0, width, height).data;
      const gray = new Uint8Array(width * height);
      // BT.601 integer weights, as bindery-scan's GrayImage::from_rgba.
      for (let i = 0, j = 0; j < gray.length; i += 4, j++) {
        gray[j] = (77 * rgba[i] + 150 * rgba[i + 1] + 29 * rgba[i + 2]) >> 8;
      }
      const pixels = request.encoding === "array" ? Array.from(gray) : base64(gray);
      dioxus.send({ kind: "frame", width, height, gray: pixels });
    }
  } finally {
    stopCamera();
  }
} catch (error) {
  await last({ kind: "failed", name: "ScriptError", message: String(error) });
}
