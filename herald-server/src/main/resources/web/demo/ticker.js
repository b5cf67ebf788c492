/*
 * The stock ticker (ticker.html): the latest demo:quotes from history, then the live feed (with
 * --demo), one chart per symbol drawn on a canvas. Each publication is one symbol's price, keyed by
 * the symbol: on a slow connection the server replaces queued prices by newer ones of the same
 * symbol (conflation, docs/protocol.md) and says how many it skipped, which the page shows.
 */
(function () {
  'use strict';
  var CHANNEL = 'demo:quotes';
  var WINDOW_MS = 60000;   // what a chart shows at most
  var MIN_SPAN_MS = 5000;  // and at least
  var BACKFILL = 1000;     // the most a history read gives: half a minute at six symbols five times a second

  var badge = document.getElementById('state');
  if (!Demo.heraldLoaded(badge)) return;

  var board = document.getElementById('board');
  var symbols = {};        // symbol -> {points: [{t, p}], open, card parts}
  var order = [];
  var received = 0;
  var skipped = 0;         // publications the server skipped for us (conflated), on a slow connection
  var arrivals = [];       // arrival times of the last live publications, for the rate
  var firstLive = 0;       // arrival time of the first live publication
  var framePending = false;
  var lastOffset = 0;
  var lastEpoch = null;

  function card(symbol) {
    var q = symbols[symbol];
    if (q) return q;
    var waiting = document.getElementById('waiting');
    if (waiting) waiting.remove();
    var root = Demo.el('div', 'quote');
    var top = Demo.el('div', 'top');
    top.appendChild(Demo.el('span', 'symbol', symbol));
    var change = Demo.el('span', 'change');
    top.appendChild(change);
    var price = Demo.el('div', 'price', '–');
    var canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', 'price of ' + symbol + ' over the last minute');
    root.appendChild(top);
    root.appendChild(price);
    root.appendChild(canvas);
    board.appendChild(root);
    q = symbols[symbol] = { points: [], open: null, priceEl: price, changeEl: change, canvas: canvas };
    order.push(symbol);
    return q;
  }

  function sign(n) {
    return (n > 0 ? '+' : '') + n.toFixed(2);
  }

  /** Takes one publication in; false for one already taken (the seam between history and live). */
  function take(env) {
    if (env.epoch === lastEpoch && env.offset <= lastOffset) return false;
    lastEpoch = env.epoch;
    lastOffset = env.offset;
    var data = Demo.objectData(env);
    if (!Array.isArray(data.quotes)) return false;
    var t = typeof data.time === 'number' ? data.time : env.time;
    data.quotes.forEach(function (quote) {
      if (!quote || typeof quote.symbol !== 'string' || typeof quote.price !== 'number') return;
      var q = card(Demo.short(quote.symbol, 12));
      q.open = typeof quote.open === 'number' ? quote.open : q.open;
      q.points.push({ t: t, p: quote.price });
      while (q.points.length > 0 && q.points[0].t < t - WINDOW_MS) q.points.shift();
    });
    received++;
    document.getElementById('count').textContent = String(received);
    if (env.conflated > 0) {
      // never a silent gap: the envelope says how many older prices of its symbol were dropped
      skipped += env.conflated;
      document.getElementById('skipped').textContent = skipped + (skipped === 1 ? ' update' : ' updates') + ' skipped';
      document.getElementById('skipped-note').hidden = false;
    }
    document.getElementById('last').textContent = Demo.clockTime(t);
    return true;
  }

  function redrawSoon() {
    if (framePending) return;
    framePending = true;
    requestAnimationFrame(function () {
      framePending = false;
      order.forEach(function (symbol) { draw(symbols[symbol]); });
    });
  }

  function draw(q) {
    var last = q.points[q.points.length - 1];
    if (!last) return;
    var open = q.open === null ? q.points[0].p : q.open;
    var up = last.p >= open;
    q.priceEl.textContent = last.p.toFixed(2);
    q.priceEl.dataset.time = String(last.t); // when the price shown was published (ms), for tests
    q.changeEl.textContent = sign(last.p - open) + '  ' + sign((last.p - open) / open * 100) + '%';
    q.changeEl.className = 'change ' + (up ? 'up' : 'down');

    var canvas = q.canvas;
    var ratio = window.devicePixelRatio || 1;
    var width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    var height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    var g = canvas.getContext('2d');
    g.clearRect(0, 0, width, height);

    var min = Infinity;
    var max = -Infinity;
    q.points.forEach(function (pt) { min = Math.min(min, pt.p); max = Math.max(max, pt.p); });
    var pad = Math.max((max - min) * 0.1, last.p * 0.0005);
    min -= pad;
    max += pad;
    var pad2 = 3 * ratio;
    // The last minute, or less while less has arrived (at least MIN_SPAN_MS): a fresh page shows
    // its first seconds across the chart rather than as a sliver at its right edge.
    var t1 = last.t;
    var t0 = Math.min(t1 - MIN_SPAN_MS, Math.max(t1 - WINDOW_MS, q.points[0].t));
    function x(t) { return (t - t0) / (t1 - t0) * (width - 2 * pad2) + pad2; }
    function y(p) { return height - pad2 - (p - min) / (max - min) * (height - 2 * pad2); }

    if (open > min && open < max) { // the opening price, dashed
      g.strokeStyle = '#9aa5b1';
      g.lineWidth = ratio;
      g.setLineDash([4 * ratio, 4 * ratio]);
      g.beginPath();
      g.moveTo(pad2, y(open));
      g.lineTo(width - pad2, y(open));
      g.stroke();
      g.setLineDash([]);
    }

    var colour = up ? '#1e7a3a' : '#b02a2a';
    g.beginPath();
    q.points.forEach(function (pt, i) {
      if (i === 0) g.moveTo(x(pt.t), y(pt.p)); else g.lineTo(x(pt.t), y(pt.p));
    });
    g.strokeStyle = colour;
    g.lineWidth = 1.5 * ratio;
    g.lineJoin = 'round';
    g.stroke();
    // a light fill under the line
    g.lineTo(x(last.t), height);
    g.lineTo(x(q.points[0].t), height);
    g.closePath();
    g.globalAlpha = 0.08;
    g.fillStyle = colour;
    g.fill();
    g.globalAlpha = 1;
    // the latest price as a dot
    g.beginPath();
    g.arc(x(last.t), y(last.p), 2.5 * ratio, 0, 2 * Math.PI);
    g.fillStyle = colour;
    g.fill();
  }

  /**
   * Live publications per second over the last five seconds. Until five seconds have passed since
   * the first one, the first arrival only starts the clock: the rate is the arrivals after it over
   * the time since it (counting it too would show 6/s for a 5/s feed after a second).
   */
  function showRate() {
    var now = Date.now();
    while (arrivals.length > 0 && arrivals[0] < now - 5000) arrivals.shift();
    var elapsed = now - firstLive;
    var text = arrivals.length === 0 ? '0'
        : elapsed < 1000 ? '\u2013'
        : elapsed < 5000 ? ((arrivals.length - 1) / (elapsed / 1000)).toFixed(1)
        : (arrivals.length / 5).toFixed(1);
    document.getElementById('rate').textContent = text;
  }
  setInterval(showRate, 1000);

  var herald = new Herald(location.origin);
  var handlers = {
    onPublication: function (env) {
      if (take(env)) {
        if (!firstLive) firstLive = Date.now();
        arrivals.push(Date.now());
        redrawSoon();
      }
    },
    onReset: function () {
      // history lost (server restarted): the charts start over
      order.forEach(function (symbol) { symbols[symbol].points = []; });
      lastEpoch = null;
      lastOffset = 0;
    },
    onStateChange: function (s) { Demo.showState(badge, s); }
  };

  Demo.history(CHANNEL, BACKFILL).then(function (page) {
    page.messages.forEach(take);
    redrawSoon();
    return page.next;
  }, function () {
    return undefined; // no backfill: the charts fill as the feed arrives
  }).then(function (since) {
    herald.subscribe(CHANNEL, handlers, since ? { since: since } : {});
  });

  window.addEventListener('resize', redrawSoon);
  Demo.closeOnLeave(function () { herald.close(); });
})();
