// The creditor API's docs page: Swagger UI reads the OpenAPI document named on the page.
(function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: root.getAttribute("data-spec-url"), domNode: root });
})();
