// Boots Swagger UI on the platform's own OpenAPI document (self-hosted, no CDN).
window.addEventListener("load", function () {
  var el = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: el.getAttribute("data-spec"), domNode: el, deepLinking: true });
});
