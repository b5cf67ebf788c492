/*
 * The transport lab (lab.html): six clients, each forced to one technique, subscribe to demo:lab from
 * the same position; the page publishes N messages and counts, per technique, what arrived, how late,
 * and the requests and bytes it cost.
 */
(function () {
  'use strict';
  var CHANNEL = 'demo:lab';
  var TRANSPORTS = ['websocket', 'sse', 'xhr-streaming', 'iframe', 'long-polling', 'short-polling'];
  var ENDPOINTS = { sse: '/sse/', 'xhr-streaming': '/stream/', iframe: '/iframe/', 'long-polling': '/longpoll/', 'short-polling': '/poll/' };
  var STREAMS = { sse: true, 'xhr-streaming': true, iframe: true };
  var MEASURED = { 'long-polling': true, 'short-polling': true };

  var badge = document.getElementById('state');
  if (!Demo.heraldLoaded(badge)) {
    document.getElementById('go').disabled = true;
    return;
  }
  var utf8 = new TextEncoder();

  // ---- per-transport statistics ------------------------------------------------------------
  var columns = {};
  TRANSPORTS.forEach(function (t) {
    columns[t] = { state: { state: 'connecting', transport: t }, received: 0, latencies: [], missing: 0,
      duplicates: 0, epoch: null, offset: 0, requests: 0, measuredBytes: 0, estimatedBytes: 0 };
  });
  var resetAt = 0; // performance.now() of the last reset

  function resetCounters() {
    resetAt = performance.now();
    TRANSPORTS.forEach(function (t) {
      var c = columns[t];
      c.received = 0; c.latencies = []; c.missing = 0; c.duplicates = 0;
      c.requests = 0; c.measuredBytes = 0; c.estimatedBytes = 0;
    });
  }

  function receive(t, env) {
    var c = columns[t];
    if (c.epoch === env.epoch && env.offset <= c.offset) {
      c.duplicates++;
      return;
    }
    if (c.epoch === env.epoch && env.offset > c.offset + 1) c.missing += env.offset - c.offset - 1;
    c.epoch = env.epoch;
    c.offset = env.offset;
    c.received++;
    c.latencies.push(Date.now() - env.time);
    c.estimatedBytes += estimate(t, env);
  }

  // ---- the wire as the server frames one publication (docs/protocol.md in the repository) ---------------
  function envelopeJson(env) {
    return JSON.stringify({ channel: env.channel, id: env.id, offset: env.offset, epoch: env.epoch,
      event: env.event, data: env.data, time: env.time });
  }

  function bytes(s) {
    return utf8.encode(s).length;
  }

  /** One HTTP/1.1 chunk around n bytes: hex size, CRLF, the bytes, CRLF. */
  function chunk(n) {
    return n.toString(16).length + 2 + n + 2;
  }

  function iframeCallback() {
    var frames = document.querySelectorAll('iframe');
    for (var i = 0; i < frames.length; i++) {
      try {
        var url = new URL(frames[i].src, location.href);
        if (url.pathname.indexOf('/iframe/') === 0 && url.searchParams.get('callback')) return url.searchParams.get('callback');
      } catch (e) {
        // not a URL: not ours
      }
    }
    return 'callback';
  }

  function estimate(t, env) {
    switch (t) {
      case 'websocket': {
        var n = bytes(envelopeJson(env));
        return n + (n < 126 ? 2 : n < 65536 ? 4 : 10);
      }
      case 'sse':
        // herald.js reads /sse with ?format=envelope: an id line and one data line holding the envelope
        return chunk(bytes('id: ' + env.id + '\ndata: ' + envelopeJson(env) + '\n\n'));
      case 'xhr-streaming':
        return chunk(bytes(envelopeJson(env)) + 1);
      case 'iframe':
        return chunk(bytes('<script>parent.' + iframeCallback() + '(' + envelopeJson(env) + ')</script>\n'));
      default:
        return 0; // polling: measured by Resource Timing
    }
  }

  // ---- Resource Timing: requests and bytes of the HTTP techniques --------------------------
  function techniqueOf(entry) {
    var path;
    try {
      path = decodeURIComponent(new URL(entry.name).pathname);
    } catch (e) {
      return null;
    }
    for (var i = 0; i < TRANSPORTS.length; i++) {
      var t = TRANSPORTS[i];
      if (ENDPOINTS[t] && path === ENDPOINTS[t] + CHANNEL) return t;
    }
    return null;
  }

  function account(entry) {
    var t = techniqueOf(entry);
    if (!t || entry.startTime < resetAt) return;
    var c = columns[t];
    c.requests++;
    c.measuredBytes += entry.transferSize || entry.encodedBodySize || 0;
  }

  if (typeof PerformanceObserver === 'function') {
    new PerformanceObserver(function (list) { list.getEntries().forEach(account); })
        .observe({ type: 'resource', buffered: true });
    // Entries reach the observer whether or not the buffer has room; keep the buffer from filling.
    performance.addEventListener('resourcetimingbufferfull', function () { performance.clearResourceTimings(); });
  }

  // ---- the table ----------------------------------------------------------------------------
  var table = document.getElementById('lab');
  var cells = {};
  var ROWS = [
    ['state', 'connection'],
    ['received', 'publications received'],
    ['order', 'order (offsets)'],
    ['p50', 'latency p50'],
    ['p99', 'latency p99'],
    ['requests', 'HTTP requests'],
    ['bytes', 'bytes per publication'],
    ['how', 'bytes measured by']
  ];
  (function build() {
    var head = Demo.el('tr');
    head.appendChild(Demo.el('th', null, 'technique'));
    TRANSPORTS.forEach(function (t) { head.appendChild(Demo.el('th', null, t)); });
    table.appendChild(head);
    ROWS.forEach(function (row) {
      var tr = Demo.el('tr', row[0] === 'how' ? 'how' : null);
      tr.appendChild(Demo.el('td', null, row[1]));
      TRANSPORTS.forEach(function (t) {
        var td = Demo.el('td');
        if (row[0] === 'state') td.appendChild(Demo.el('span', 'state', 'connecting'));
        tr.appendChild(td);
        cells[row[0] + ' ' + t] = row[0] === 'state' ? td.firstChild : td;
      });
      table.appendChild(tr);
    });
  })();

  function percentile(sorted, p) {
    if (sorted.length === 0) return null;
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  }

  function ms(value) {
    return value === null ? '\u2013' : value + ' ms';
  }

  function render() {
    var open = 0;
    TRANSPORTS.forEach(function (t) {
      var c = columns[t];
      if (c.state.state === 'open') open++;
      Demo.showState(cells['state ' + t], { state: c.state.state });
      cells['received ' + t].textContent = String(c.received);
      cells['order ' + t].textContent = c.missing === 0 && c.duplicates === 0 ? 'in order'
          : c.missing + ' missing, ' + c.duplicates + ' twice';
      var sorted = c.latencies.slice().sort(function (a, b) { return a - b; });
      cells['p50 ' + t].textContent = ms(percentile(sorted, 0.5));
      cells['p99 ' + t].textContent = ms(percentile(sorted, 0.99));
      var requests;
      if (t === 'websocket') requests = c.state.state === 'open' ? '1 upgrade' : '0';
      else requests = String(c.requests + (STREAMS[t] && c.state.state === 'open' ? 1 : 0));
      cells['requests ' + t].textContent = requests;
      var total = MEASURED[t] ? c.measuredBytes : c.estimatedBytes;
      cells['bytes ' + t].textContent = c.received === 0
          ? (total === 0 ? '\u2013' : total + ' B, nothing received')
          : Math.round(total / c.received) + ' B';
      cells['how ' + t].textContent = MEASURED[t] ? 'Resource Timing' : 'estimate';
    });
    badge.dataset.state = open === TRANSPORTS.length ? 'open' : 'connecting';
    badge.textContent = open + ' of ' + TRANSPORTS.length + ' techniques open';
  }
  setInterval(render, 250);

  // ---- six clients, one per technique, all from the same position --------------------------
  var clients = [];
  function subscribeAll(since) {
    TRANSPORTS.forEach(function (t) {
      // remember: false, so that this page's forced choices do not become the other pages' first try
      var h = new Herald(location.origin, { transports: [t], remember: false });
      clients.push(h);
      h.subscribe(CHANNEL, {
        onPublication: function (env) { receive(t, env); },
        onReset: function () { columns[t].epoch = null; },
        onStateChange: function (s) { columns[t].state = s || { state: 'connecting' }; }
      }, since ? { since: since } : {});
    });
  }
  // limit=0 answers no messages and, as next, the channel's current position
  Demo.history(CHANNEL, 0).then(function (page) { return page.next; }, function () { return undefined; })
      .then(subscribeAll);
  Demo.closeOnLeave(function () { clients.forEach(function (h) { h.close(); }); });

  // ---- the publisher -------------------------------------------------------------------------
  var form = document.getElementById('form');
  var go = document.getElementById('go');
  var stop = document.getElementById('stop');
  var progress = document.getElementById('progress');
  var timer = null;

  var run = null;         // the publishing run in progress: {n, rate, sent, stored, failed}

  function showProgress() {
    if (!run) return;
    progress.textContent = (timer ? 'publishing: ' : run.stopped ? 'stopped: ' : 'done: ') + run.sent + ' of ' + run.n
        + ' sent at ' + run.rate + '/s, ' + run.stored + ' stored' + (run.failed ? ', ' + run.failed + ' failed' : '');
  }

  function finish() {
    clearInterval(timer);
    timer = null;
    go.disabled = false;
    stop.disabled = true;
    showProgress();
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var n = Math.max(1, Math.min(10000, parseInt(document.getElementById('n').value, 10) || 100));
    var rate = Math.max(1, Math.min(500, parseInt(document.getElementById('rate').value, 10) || 20));
    var current = run = { id: Date.now().toString(36), n: n, rate: rate, sent: 0, stored: 0, failed: 0, stopped: false };
    var started = performance.now();
    go.disabled = true;
    stop.disabled = false;
    // Each tick sends what is due by now, so a throttled timer does not lower the rate.
    timer = setInterval(function () {
      var due = Math.min(n, Math.floor((performance.now() - started) / 1000 * rate) + 1);
      for (; current.sent < due; current.sent++) {
        fetch('/pub/' + CHANNEL, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ run: current.id, seq: current.sent + 1, of: n })
        }).then(function (r) {
          if (r.ok) current.stored++; else current.failed++;
        }, function () {
          current.failed++;
        }).then(showProgress);
      }
      if (current.sent >= n) finish(); else showProgress();
    }, Math.max(4, Math.min(100, 1000 / rate)));
  });

  stop.addEventListener('click', function () {
    if (run) run.stopped = true;
    finish();
  });
  document.getElementById('reset').addEventListener('click', function () {
    resetCounters();
    render();
  });
  render();
})();
