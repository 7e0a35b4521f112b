/* PartyGrid console: keeps the sign-in fresh while a page is open.
 *
 * The page's <body data-expires-in> says how many seconds its access cookie has left; at
 * 80 % of that the script POSTs /session/refresh (same-origin; the refresh token is an
 * HttpOnly cookie it never sees), one tab at a time under a Web Lock, and schedules the next
 * refresh from the answer. Without script the pages still work: an expired sign-in leads to
 * the sign-in form and back. Everything else on the pages is plain HTML and htmx.
 */
(function () {
  'use strict';
  var LEAD = 0.8;
  var MIN_WAIT = 5;
  var timer = null;

  function schedule(seconds) {
    if (timer) { clearTimeout(timer); }
    if (!(seconds > 0)) { return; }
    timer = setTimeout(refresh, Math.max(MIN_WAIT, seconds * LEAD) * 1000);
  }

  function post() {
    return fetch('/session/refresh', { method: 'POST', credentials: 'same-origin' })
      .then(function (r) { return r.json().catch(function () { return {}; }); })
      .then(function (answer) { if (answer && answer.ok) { schedule(answer.expiresIn); } });
  }

  function refresh() {
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request('partygrid-session-refresh', post);
    }
    return post();
  }

  window.__pgConsole = { refresh: refresh };
  document.addEventListener('DOMContentLoaded', function () {
    schedule(parseInt(document.body.getAttribute('data-expires-in') || '', 10));
  });
})();
