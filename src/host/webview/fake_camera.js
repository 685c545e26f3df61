// QA and tests only (src/host/webview/fake.rs): the webview's camera replaced by a file.
// The first message is {frames: [image URL…], fps, width, height, name}; from then on
// getUserMedia answers with a canvas's captureStream() playing those frames in a loop, and
// enumerateDevices lists that one camera. Everything after getUserMedia (the <video>, the
// frames sent to Rust) is the app's own path, unchanged. {real: true} puts the webview's
// own camera back. The answer ("fake", "real") is a message, and the script ends once Rust
// says it read it.
const done = async (answer) => {
  dioxus.send(answer);
  await dioxus.recv();
};
const fake = await dioxus.recv();
const media = navigator.mediaDevices;
if (!media) return await done("no camera API");
if (!window.__binderyRealCamera) {
  window.__binderyRealCamera = {
    getUserMedia: media.getUserMedia.bind(media),
    enumerateDevices: media.enumerateDevices.bind(media),
  };
}
const real = window.__binderyRealCamera;
if (fake.real) {
  media.getUserMedia = real.getUserMedia;
  media.enumerateDevices = real.enumerateDevices;
  return await done("real");
}
const images = await Promise.all(fake.frames.map((url) => new Promise((resolve) => {
  const image = new Image();
  image.onload = () => resolve(image);
  image.onerror = () => resolve(null);
  image.src = url;
})));
if (images.some((image) => !image)) return await done("failed: a frame did not load as an image");
media.enumerateDevices = async () => [
  { kind: "videoinput", deviceId: "bindery-fake-camera", groupId: "", label: fake.name },
];
media.getUserMedia = async (constraints) => {
  if (!constraints || !constraints.video) throw new DOMException("video only", "NotSupportedError");
  const canvas = document.createElement("canvas");
  canvas.width = fake.width;
  canvas.height = fake.height;
  const context = canvas.getContext("2d");
  const stream = canvas.captureStream(fake.fps);
  let shown = 0;
  const draw = () => {
    context.drawImage(images[shown % images.length], 0, 0, fake.width, fake.height);
    shown++;
  };
  draw();
  const timer = setInterval(() => {
    // Once the app stops the camera, stop drawing too.
    if (stream.getVideoTracks().every((t) => t.readyState === "ended")) clearInterval(timer);
    else draw();
  }, 1000 / fake.fps);
  return stream;
};
await done("fake");
