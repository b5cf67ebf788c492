/*
 * The server clock (clock.html): draws the ticks the server publishes on demo:clock once a second
 * (with --demo), arriving by the transport picked in the page; the page has no timer of its own.
 */
(function () {
  'use strict';
  var CHANNEL = 'demo:clock';
  var SVG = 'http://www.w3.org/2000/svg';

  var badge = document.getElementById('state');
  var select = document.getElementById('transport');
  if (!Demo.heraldLoaded(badge)) return;

  var marks = document.getElementById('marks');
  for (var i = 0; i < 12; i++) {
    var mark = document.createElementNS(SVG, 'line');
    mark.setAttribute('class', 'mark');
    mark.setAttribute('x1', '50');
    mark.setAttribute('y1', i % 3 === 0 ? '5' : '7');
    mark.setAttribute('x2', '50');
    mark.setAttribute('y2', '11');
    mark.setAttribute('transform', 'rotate(' + i * 30 + ' 50 50)');
    marks.appendChild(mark);
  }

  var ticks = 0;
  var lastTickAt = 0;
  var herald = null;

  function turn(id, degrees) {
    document.getElementById(id).setAttribute('transform', 'rotate(' + degrees + ' 50 50)');
  }

  function show(env) {
    var data = Demo.objectData(env);
    var time = typeof data.time === 'number' ? data.time : env.time;
    var d = new Date(time);
    var s = d.getSeconds();
    var m = d.getMinutes() + s / 60;
    var h = d.getHours() % 12 + m / 60;
    turn('second', s * 6);
    turn('minute', m * 6);
    turn('hour', h * 30);
    document.getElementById('time').textContent = Demo.clockTime(time);
    document.getElementById('iso').textContent = Demo.short(data.iso || new Date(time).toISOString(), 40);
    document.getElementById('delay').textContent = (Date.now() - time) + ' ms';
    document.getElementById('ticks').textContent = String(++ticks);
    lastTickAt = Date.now();
  }

  function connect() {
    if (herald) herald.close();
    herald = new Herald(location.origin, select.value ? { transports: [select.value], remember: false } : {});
    // Live only: an old tick is of no use to a clock.
    herald.subscribe(CHANNEL, {
      onPublication: show,
      onStateChange: function (s) { Demo.showState(badge, s); }
    }, {});
    lastTickAt = Date.now();
  }

  // Say so when nothing arrives: most likely the server runs without --demo.
  setInterval(function () {
    if (Date.now() - lastTickAt > 8000) {
      document.getElementById('iso').textContent = 'no tick for ' + Math.round((Date.now() - lastTickAt) / 1000)
          + ' s: was the server started with --demo?';
    }
  }, 1000);

  select.addEventListener('change', connect);
  Demo.closeOnLeave(function () { if (herald) herald.close(); });
  connect();
})();
