// Shows /api/openapi.json with Swagger UI. A file of its own, not an inline script: the page's
// Content-Security-Policy allows scripts from this origin only.
window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#api",
  deepLinking: true,
  // "Try it out" sends real requests with the token pasted under Authorize; it is kept for the
  // page's lifetime only, never in the browser's storage.
  persistAuthorization: false,
  validatorUrl: null,
});
