// Card entry (the card page only). Card details go from Stripe.js to Stripe, never to us.
// Flow of a payment, and of a plan's first payment taken now (data-card-step="payment_method"): createPaymentMethod
// -> our server claims the amount and charges the card once (a plan's card saved by that same payment) ->
// confirmCardPayment if the bank wants 3-D Secure (its only check) -> our server records it -> receipt or plan.
// A plan's card with no payment now (data-card-step="setup"), or a Stripe.js without createPaymentMethod: our
// server makes a SetupIntent -> confirmCardSetup -> our server charges the card (or saves it) -> as above.
// While the bank checks it is them, the button and a live region say where to look (data-msg-authenticating).
// Every call to our server is safe to repeat: the payment's idempotency lives on the server.
"use strict";
(function () {
  var form = document.getElementById("card-form");
  if (!form || typeof window.Stripe !== "function") {
    var box = document.getElementById("pay-error");
    if (form && box) {
      document.getElementById("pay-error-text").textContent = form.dataset.msgUnavailable;
      box.hidden = false;
    }
    return;
  }
  var d = form.dataset;
  var stripe = window.Stripe(d.publishableKey);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  form.hidden = false;

  var button = document.getElementById("pay-button");
  var errorBox = document.getElementById("pay-error");
  var errorText = document.getElementById("pay-error-text");
  var errorAction = document.getElementById("pay-error-action");
  var status = document.getElementById("pay-status");
  var csrf = document.body.dataset.csrfToken;
  var retry = null; // after a decline: {url, key} for a new attempt
  var busy = false;
  var leaving = false;

  function setBusy(on) {
    busy = on;
    button.disabled = on;
    button.textContent = on ? d.workingLabel : d.payLabel;
    status.textContent = on ? d.workingLabel : "";
    status.className = "visually-hidden";
  }

  // While the bank checks it is them (3-D Secure): say where to look, on the button and aloud, and on the page.
  function waitForBank() {
    if (!busy) return;
    var words = d.msgAuthenticating || d.workingLabel;
    button.textContent = words;
    status.textContent = words;
    status.className = "notice";
  }

  // Stripe.js checks the card itself when it is saved, and only it knows whether the bank is asking:
  // when the answer takes longer than a card without a check would, the bank is most likely asking.
  var BANK_CHECK_AFTER_MS = 1500;

  function showError(message, canChangeAmount) {
    errorText.textContent = message;
    errorAction.hidden = !canChangeAmount;
    errorBox.hidden = false;
    errorBox.focus();
    setBusy(false);
  }

  function wait(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  // POST JSON to our server; retried when the signal drops (the server makes repeats harmless).
  function post(url, body, tries) {
    tries = tries === undefined ? 4 : tries;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) throw new Error("not json");
      return response.json();
    }, function (error) {
      if (tries <= 1) throw error;
      return wait(1500).then(function () { return post(url, body, tries - 1); });
    });
  }

  function startNewAttempt() {
    return post(retry.url, { idempotency_key: retry.key }, 4).then(function (next) {
      d.setupUrl = next.setup_url;
      d.confirmUrl = next.confirm_url;
      d.state = "new";
      retry = null;
    });
  }

  // `sent` names the card: {payment_method: id} or {setup_intent: id}; {} asks where the payment stands.
  function confirmOnServer(sent, polls) {
    return post(d.confirmUrl, sent).then(function (result) {
      return handle(result, sent, polls || 0);
    });
  }

  function handle(result, sent, polls) {
    if (result.redirect) {
      leaving = true;
      window.location.assign(result.redirect);
      return;
    }
    if (result.status === "requires_action") {
      d.state = "requires_action";
      waitForBank();
      return stripe.confirmCardPayment(result.client_secret).then(function () {
        // Whatever Stripe.js says, our server asks Stripe and records the answer.
        setBusy(true);
        return confirmOnServer(sent, 0);
      });
    }
    if (result.status === "pending") {
      if (polls < 5) return wait(2000).then(function () { return confirmOnServer(sent, polls + 1); });
      return showError(result.message || d.msgPending, false);
    }
    d.state = result.status;
    if (result.status === "failed" && result.retry) retry = result.retry;
    showError(result.message || d.msgCheckCard, Boolean(result.change_url));
  }

  function setupErrorMessage(error) {
    var text = (error && error.message) || "";
    if (error && error.code === "card_declined") return d.msgDeclined;
    if (/authenticat/i.test(text)) return d.msgAuthentication;
    return d.msgCheckCard;
  }

  // Save the card with a SetupIntent, then our server charges it: a plan's card, kept for later payments.
  function payWithSetup() {
    return post(d.setupUrl, {}).then(function (setup) {
      if (!setup.client_secret) return handle(setup, {}, 0);
      var bankCheck = setTimeout(waitForBank, BANK_CHECK_AFTER_MS);
      return stripe.confirmCardSetup(setup.client_secret, { payment_method: { card: card } }).then(function (result) {
        clearTimeout(bankCheck);
        if (result.error) return showError(setupErrorMessage(result.error), false);
        setBusy(true);
        return confirmOnServer({ setup_intent: result.setupIntent.id }, 0);
      }, function (error) {
        clearTimeout(bankCheck);
        throw error;
      });
    });
  }

  // Make the card a payment method, then our server claims the amount and charges it: the bank, if it wants to
  // check it is them, asks once, on the payment. A Stripe.js that makes no payment method saves the card with
  // a SetupIntent instead (the bank may then ask twice).
  function payWithMethod() {
    if (typeof stripe.createPaymentMethod !== "function") return payWithSetup();
    return Promise.resolve(stripe.createPaymentMethod({ type: "card", card: card })).then(function (result) {
      if (result && result.error) return showError(setupErrorMessage(result.error), false);
      if (!result || !result.paymentMethod) return payWithSetup();
      return confirmOnServer({ payment_method: result.paymentMethod.id }, 0);
    });
  }

  function pay() {
    if (d.state === "requires_action") return confirmOnServer({}, 0);
    var ready = retry ? startNewAttempt() : Promise.resolve();
    return ready.then(function () {
      return d.cardStep === "payment_method" ? payWithMethod() : payWithSetup();
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    event.stopPropagation(); // this form is ours: portal.js's one-submission guard must not lock it
    if (busy) return;
    errorBox.hidden = true;
    setBusy(true);
    pay().then(function () {
      if (busy && !leaving) setBusy(false);
    }, function () {
      showError(d.msgNetwork, false);
    });
  });

  if (d.state === "requires_action") {
    setBusy(true);
    confirmOnServer({}, 0).catch(function () { showError(d.msgNetwork, false); });
  }
})();
