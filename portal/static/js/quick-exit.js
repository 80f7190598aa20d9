// Exit this page: hide the page at once, sign out on the server, then leave for the neutral site
// with location.replace, so this page is not left in the history to go back to.
// Without JavaScript the button submits its form: the server signs out and redirects to the same site.
"use strict";
(function () {
  // Long enough for the sign-out to reach a server on a slow phone network; the page is already
  // blank meanwhile. If the server is slower still, we leave anyway and the request carries on.
  var WAIT_FOR_SIGN_OUT_MS = 2000;
  var leaving = false;

  function leave(form) {
    if (leaving) return;
    leaving = true;
    if (!window.fetch) {
      form.submit();
      return;
    }
    var body = new FormData(form);
    document.title = "";
    document.body.hidden = true;
    var gone = false;
    function go() {
      if (gone) return;
      gone = true;
      window.location.replace(form.getAttribute("data-quick-exit"));
    }
    setTimeout(go, WAIT_FOR_SIGN_OUT_MS);
    // "manual": the server's redirect is to another site, which this page may not fetch (CSP connect-src).
    fetch(form.action, { method: "POST", body: body, credentials: "same-origin", redirect: "manual", keepalive: true })
      .then(go, go);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-quick-exit")) return;
    event.preventDefault();
    leave(form);
  });

  // The keyboard shortcut from GOV.UK: Shift three times in a row, within 5 seconds.
  var presses = 0;
  var timer;
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") {
      presses = 0;
      return;
    }
    presses += 1;
    clearTimeout(timer);
    timer = setTimeout(function () { presses = 0; }, 5000);
    var form = document.querySelector("form[data-quick-exit]");
    if (presses === 3 && form) leave(form);
  });
})();
