// The Bindery web app's service worker: it keeps the app's own files (the shell) so an
// installed app opens without a network and tells the user it cannot reach the cloud,
// instead of the browser's error page.
//
// Network first, the cache only when the network fails: an online app always runs the files
// the cloud serves now, so an old WebAssembly is never left running against a newer API.
// Nothing the API answers (`/v1/…`) is ever kept.
//
// One build at a time: `cargo xtask web` puts each build's glue and wasm under its own
// folder (/app/build-<hash>/…), names that folder in the page, and writes it and the list of
// the build's files below. This worker fills its cache with exactly those files when it is
// installed and never writes to it afterwards, so an offline start gets one build's page,
// glue and wasm together — never today's page with yesterday's wasm. A deploy changes this
// file, so the next online start installs the new build's worker, which drops the old cache.
const BUILD = "__BINDERY_BUILD__";
const CACHE = `bindery-shell-${BUILD}`;
// Every file of the build (the page, the glue, the wasm, wasm-bindgen's snippets, the
// manifest and icons), written by `cargo xtask web`.
const SHELL = __BINDERY_SHELL__;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // The build's own files may come from the browser's cache (their URLs name the
      // build); the cloud marks the rest `no-cache`, so they are checked with it.
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
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
    fetch(request).catch(async () => {
      const cache = await caches.open(CACHE);
      const cached = await cache.match(request, { ignoreSearch: true });
      if (cached) return cached;
      // Every screen's address (/app/scan, /app/confirm?…) is the same page.
      if (request.mode === "navigate") {
        const shell = await cache.match("/app/");
        if (shell) return shell;
      }
      return Response.error();
    }),
  );
});
