// The Bindery web app's service worker: it keeps the app's own files (the shell) so an
// installed app opens without a network and tells the user it cannot reach the cloud,
// instead of the browser's error page.
//
// Network first, the cache only when the network fails: an online app always runs the files
// the cloud serves now, so an old WebAssembly is never left running against a newer API.
// Nothing the API answers (`/v1/…`) is ever kept. `cargo xtask web` writes the build's id
// and its files below, so each build's worker replaces the last one and drops its cache.
const BUILD = "__BINDERY_BUILD__";
const CACHE = `bindery-shell-${BUILD}`;
// Every file of the build (the page, the glue, the wasm, wasm-bindgen's snippets, the
// manifest and icons), written by `cargo xtask web`.
const SHELL = __BINDERY_SHELL__;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("bindery-shell-") && name !== CACHE)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (!url.pathname.startsWith("/app/") && url.pathname !== "/app") return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok && SHELL.includes(url.pathname)) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(async () => {
        const cached = await caches.match(request, { ignoreSearch: true });
        if (cached) return cached;
        // Every screen's address (/app/scan, /app/confirm?…) is the same page.
        if (request.mode === "navigate") {
          const shell = await caches.match("/app/");
          if (shell) return shell;
        }
        return Response.error();
      }),
  );
});
