/* PartyGrid map pages: the header (navigation, user and role, sign-out) and the session.
 *
 * The page carries `<header id="pg-header" data-code data-page data-lang>` (gateway/maps/
 * header.py); this fills it from /maps/nav/<code> and, while the page is open, refreshes the
 * sign-in before its access token expires (POST /session/refresh: the refresh token is an
 * HttpOnly cookie the script never sees; one tab at a time, under a Web Lock). When
 * /maps/nav fails the page tries again, waiting longer each time (on a 401 it refreshes
 * first), so it still learns when to refresh. Every text reaches the page as textContent.
 * `window.__pgSession`: `refresh()` (a promise of the answer), `nav` (the header's data).
 */
(function () {
  'use strict';

  var LEAD = 0.8;        // refresh when this share of the token's life has passed
  var MIN_WAIT = 5;      // seconds
  var MAX_WAIT = 86400;  // setTimeout's range is ~24 days; a day is plenty
  var NAV_RETRY_MAX = 300;  // seconds between tries of a failed /maps/nav, at most
  var NAV_401_TRIES = 3;    // /maps/nav refused though the refresh worked: give up after these
  // A refresh whose answer was lost is sent again soon, inside the server's short grace for
  // a token used twice (gateway/auth/sessions.py REUSE_GRACE, 10 s), a few times only.
  var LOST_RETRY = 2;       // seconds
  var LOST_TRIES = 3;
  var timer = null;
  var session = { nav: null, refreshed: 0, refresh: refresh };
  window.__pgSession = session;

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }

  function schedule(seconds) {
    if (timer) { clearTimeout(timer); }
    if (seconds === null || seconds === undefined) { return; }
    var wait = Math.min(MAX_WAIT, Math.max(MIN_WAIT, seconds * LEAD));
    timer = setTimeout(refresh, wait * 1000);
  }

  function expired() {
    var header = document.getElementById('pg-header');
    var note = header && header.querySelector('.pg-expired');
    if (header && !note && session.nav) {
      header.appendChild(el('span', session.nav.expiredLabel, 'pg-expired'));
    }
  }

  // One tab at a time: tabs of one browser share the refresh cookie, and two posting the
  // same token at once rotate it twice (the server answers the second with the first's
  // successor; the lock spares it the question). Not every browser has Web Locks.
  function refresh(tries) {
    var send = function () { return post(tries || 0); };
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request('pg-refresh', send);
    }
    return send();
  }

  function post(tries) {
    var url = (session.nav && session.nav.refresh) || '/session/refresh';
    return fetch(url, {
      method: 'POST', credentials: 'same-origin', headers: { accept: 'application/json' }
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok || !answer.ok) { expired(); return answer; }
        session.refreshed += 1;
        schedule(answer.expiresIn);
        var header = document.getElementById('pg-header');
        if (header && !session.nav) { loadNav(header, 0, 0); }  // the header failed before
        return answer;
      });
    }).catch(function () {
      if (tries + 1 < LOST_TRIES) {
        if (timer) { clearTimeout(timer); }
        timer = setTimeout(function () { refresh(tries + 1); }, LOST_RETRY * 1000);
      } else {
        schedule(MIN_WAIT * 6);
      }
      return { ok: false };
    });
  }

  function render(header, nav) {
    header.textContent = '';
    var links = el('nav', null, 'pg-nav');
    nav.links.forEach(function (link, i) {
      if (i) { links.appendChild(el('span', ' › ', 'pg-sep')); }
      var item;
      if (link.href) {
        item = el('a', link.text);
        item.href = link.href;
      } else {
        item = el('b', link.text);
        item.setAttribute('aria-current', 'page');
      }
      item.dataset.nav = link.key;
      links.appendChild(item);
    });
    header.appendChild(links);
    if (nav.console) {  // the console's pages (工作台): the work that is not a map
      var console_ = el('a', nav.consoleLabel, 'pg-console');
      console_.href = nav.console;
      console_.dataset.nav = 'console';
      header.appendChild(console_);
    }
    var who = el('span', null, 'pg-user');
    who.appendChild(el('span', nav.user, 'pg-user-name'));
    who.appendChild(el('span', nav.roleLabel, 'pg-role'));
    header.appendChild(who);
    // A plain form: the sign-out is a same-origin POST, as /session/logout requires.
    var form = el('form', null, 'pg-sign-out');
    form.method = 'post';
    form.action = nav.signOut;
    var button = el('button', nav.signOutLabel);
    button.type = 'submit';
    form.appendChild(button);
    header.appendChild(form);
  }

  // The header's data, tried again (waiting longer each time) when it fails: without it the
  // page would never learn when to refresh, and would be signed out when its token ran out.
  function loadNav(header, tries, refused) {
    var query = '?page=' + encodeURIComponent(header.dataset.page) +
      '&lang=' + encodeURIComponent(header.dataset.lang);
    fetch('/maps/nav/' + encodeURIComponent(header.dataset.code) + query, {
      credentials: 'same-origin', headers: { accept: 'application/json' }
    }).then(function (response) {
      if (!response.ok) {
        var failed = new Error(String(response.status));
        failed.status = response.status;
        throw failed;
      }
      return response.json();
    }).then(function (nav) {
      session.nav = nav;
      render(header, nav);
      header.dataset.ready = '1';
      schedule(nav.expiresIn);
    }).catch(function (error) {
      header.dataset.ready = 'failed';
      var wait = Math.min(NAV_RETRY_MAX, MIN_WAIT * Math.pow(2, tries));
      if (error && error.status === 401) {
        // The access token is already gone; the refresh cookie may still be good. Asked
        // again after the usual wait, and not for ever: a 401 that a refresh does not cure
        // (a session version the gateway has not yet reloaded) must not loop.
        if ((refused || 0) + 1 >= NAV_401_TRIES) { return; }
        refresh().then(function (answer) {
          if (answer.ok) {
            setTimeout(function () { loadNav(header, tries + 1, (refused || 0) + 1); }, wait * 1000);
          }
        });
        return;
      }
      setTimeout(function () { loadNav(header, tries + 1, refused); }, wait * 1000);
    });
  }

  function start() {
    var header = document.getElementById('pg-header');
    if (header) { loadNav(header, 0, 0); }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
