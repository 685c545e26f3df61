// The interactive API reference at /doc/: Swagger UI (npm's swagger-ui-dist, served by this
// cloud from its own files, no CDN) over the cloud's OpenAPI document. "Authorize" takes an
// API key (or a session token); "Try it out" calls this same cloud.
window.ui = SwaggerUIBundle({
  url: "/v1/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  displayRequestDuration: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
