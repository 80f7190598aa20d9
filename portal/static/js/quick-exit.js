// Exit this page: leave at once for a neutral site, and leave this page out of the history.
// Without JavaScript the button is a plain link to the same site.
"use strict";
(function () {
  function leave(link) {
    var signOut = link.getAttribute("data-sign-out");
    if (signOut && navigator.sendBeacon) {
      // End the session too, so going back shows nothing of the account.
      var form = new FormData();
      form.append("csrf_token", link.getAttribute("data-csrf"));
      navigator.sendBeacon(signOut, form);
    }
    document.title = "";
    document.body.hidden = true;
    window.location.replace(link.href);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-quick-exit]");
    if (!link) return;
    event.preventDefault();
    leave(link);
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
    var link = document.querySelector("[data-quick-exit]");
    if (presses === 3 && link) leave(link);
  });
})();
