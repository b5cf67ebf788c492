/*
 * What the demo pages share: their chrome, built here once, and small helpers (window.Demo). Every
 * helper that puts text in the page uses textContent, never innerHTML: publications come from anyone.
 *
 * A page loads /herald.js, then this script, then its own, all with defer: they run in that order once
 * the document is parsed, so the chrome is in place when the page's script looks for #state.
 */
(function () {
  'use strict';

  /** The demo pages, in the order of the navigation bar (after the link to the index page). */
  var PAGES = [
    ['counter.html', 'Counter'],
    ['chat.html', 'Chat'],
    ['clock.html', 'Clock'],
    ['ticker.html', 'Ticker'],
    ['lab.html', 'Transport lab']
  ];

  /** A new element with an optional class and text. */
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /**
   * Shows a herald.js state object in a .state badge: {state, transport}, or for a fallback
   * {state: 'fallback', from, to}.
   */
  function showState(node, s) {
    var state = s && s.state ? String(s.state) : 'connecting';
    var detail = !s ? '' : s.transport ? ' \u00b7 ' + s.transport
        : s.from && s.to ? ' \u00b7 ' + s.from + ' \u2192 ' + s.to : '';
    node.dataset.state = state;
    node.textContent = state + detail;
  }

  /** Shows a problem in a .state badge and on the console's warn level (not an error). */
  function showProblem(node, text) {
    node.dataset.state = 'error';
    node.textContent = text;
  }

  /**
   * True when herald.js is loaded; otherwise says so in the badge. Pages call this first, so that
   * a missing client is a visible message rather than a script error.
   */
  function heraldLoaded(badge) {
    if (typeof window.Herald === 'function') return true;
    showProblem(badge, 'herald.js did not load');
    return false;
  }

  /**
   * GET /history/{channel}?limit=N: resolves to {messages, next, reset}. Channel names are limited
   * to [A-Za-z0-9_.:@-], all valid in a URL path as they are.
   */
  function history(channel, limit) {
    return fetch('/history/' + channel + '?limit=' + limit, { cache: 'no-store' }).then(function (r) {
      if (!r.ok) throw new Error('GET /history/' + channel + ': HTTP ' + r.status);
      return r.json();
    });
  }

  /** HH:MM:SS in the browser's time zone. */
  function clockTime(ms) {
    var d = new Date(ms);
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }

  function pad(n) {
    return n < 10 ? '0' + n : String(n);
  }

  /** The data of an envelope as an object: non-object payloads (someone curled text) become {text}. */
  function objectData(env) {
    var d = env && env.data;
    return d !== null && typeof d === 'object' && !Array.isArray(d) ? d : { text: d === undefined ? '' : String(d) };
  }

  /** A short string, at most max characters, from anything. */
  function short(value, max) {
    var s = value === undefined || value === null ? '' : String(value);
    return s.length > max ? s.slice(0, max - 1) + '\u2026' : s;
  }

  /**
   * Calls close() when the page goes away, so the server ends the session at once; a page restored
   * from the back-forward cache reloads, since its connections are gone.
   */
  function closeOnLeave(close) {
    window.addEventListener('pagehide', function () { close(); });
    window.addEventListener('pageshow', function (e) { if (e.persisted) location.reload(); });
  }

  /** A navigation link, marked as the current page when it is. */
  function navLink(href, text, current) {
    var a = el('a', null, text);
    a.setAttribute('href', href);
    if (current) a.setAttribute('aria-current', 'page');
    return a;
  }

  /**
   * Completes the chrome of the page: an empty favicon (so the browser does not ask the server for
   * /favicon.ico, which it has not), then, in the page's <header> after its <h1>, the connection state
   * badge (#state, which the page's script keeps up to date) and the navigation bar.
   */
  function buildChrome() {
    var icon = document.createElement('link');
    icon.rel = 'icon';
    icon.href = 'data:,';
    document.head.appendChild(icon);

    var badge = el('span', 'state', 'connecting');
    badge.id = 'state';
    badge.dataset.state = 'connecting';
    var here = location.pathname.slice(location.pathname.lastIndexOf('/') + 1);
    var nav = el('nav');
    nav.appendChild(navLink('/', 'Herald', false));
    PAGES.forEach(function (page) {
      nav.appendChild(navLink(page[0], page[1], page[0] === here));
    });
    var header = document.querySelector('body > header');
    header.appendChild(badge);
    header.appendChild(nav);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', buildChrome);
  } else {
    buildChrome();
  }

  window.Demo = {
    closeOnLeave: closeOnLeave,
    el: el,
    showState: showState,
    showProblem: showProblem,
    heraldLoaded: heraldLoaded,
    history: history,
    clockTime: clockTime,
    objectData: objectData,
    short: short
  };
})();
