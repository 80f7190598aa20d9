// Confirming a plan payment the bank wants checked (3-D Secure). Our server asks Stripe and records
// the answer; Stripe.js only shows the bank's check. Every call to our server is safe to repeat.
"use strict";
(function () {
  var form = document.getElementById("confirm-form");
  var errorBox = document.getElementById("confirm-error");
  var errorText = document.getElementById("confirm-error-text");
  if (!form) return;
  var d = form.dataset;
  if (typeof window.Stripe !== "function") {
    errorText.textContent = d.msgUnavailable;
    errorBox.hidden = false;
    return;
  }
  var stripe = window.Stripe(d.publishableKey);
  var button = document.getElementById("confirm-button");
  var status = document.getElementById("confirm-status");
  var label = button.textContent;
  var csrf = document.body.dataset.csrfToken;
  form.hidden = false;

  function setBusy(on) {
    button.disabled = on;
    button.textContent = on ? d.workingLabel : label;
    status.textContent = on ? d.workingLabel : "";
    status.className = "visually-hidden";
  }

  // While the bank checks it is them (3-D Secure): say where to look, on the button and aloud, and on the page.
  function waitForBank() {
    var words = d.msgAuthenticating || d.workingLabel;
    button.textContent = words;
    status.textContent = words;
    status.className = "notice";
  }

  function showError(message) {
    errorText.textContent = message;
    errorBox.hidden = false;
    errorBox.focus();
    setBusy(false);
  }

  function ask() {
    return fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: "{}"
    }).then(function (response) { return response.json(); });
  }

  function handle(result, checked, polls) {
    if (result.redirect) {
      window.location.assign(result.redirect);
      return;
    }
    if (result.status === "requires_action" && !checked) {
      waitForBank();
      return stripe.confirmCardPayment(result.client_secret).then(function () {
        setBusy(true);
        return ask().then(function (next) { return handle(next, true, 0); });
      });
    }
    if (result.status === "pending" && polls < 5) {
      return new Promise(function (resolve) { setTimeout(resolve, 2000); }).then(function () {
        return ask().then(function (next) { return handle(next, checked, polls + 1); });
      });
    }
    showError(result.message || d.msgNotConfirmed);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    event.stopPropagation(); // ours: portal.js's one-submission guard must not lock it
    if (button.disabled) return;
    errorBox.hidden = true;
    setBusy(true);
    ask().then(function (result) { return handle(result, false, 0); }).catch(function () {
      showError(d.msgNetwork);
    });
  });
})();
