// Small progressive enhancements; every page works without this file.
"use strict";
document.addEventListener("submit", function (event) {
  // One press, one submission: a second tap while the first is on its way does nothing.
  var form = event.target;
  if (form.dataset.submitted) {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "1";
  form.querySelectorAll("button").forEach(function (button) { button.setAttribute("aria-disabled", "true"); });
});
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-submitted]").forEach(function (form) { delete form.dataset.submitted; });
});
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
});
