/*
 * The chat room (chat.html): demo:chat over WebSocket (messages go up the same socket) or over
 * Server-Sent Events plus POST /pub, with the event types message, join, typing and leave; switching
 * the transport resumes from the last id received. "Here now" is the channel's presence, asked again
 * on the server's join and leave events (WebSocket) and every few seconds.
 */
(function () {
  'use strict';
  var CHANNEL = 'demo:chat';
  var TYPING_SHOWN_MS = 3000;
  var TYPING_EVERY_MS = 2000;
  var PRESENCE_EVERY_MS = 5000;

  var badge = document.getElementById('state');
  var log = document.getElementById('log');
  var typingLine = document.getElementById('typing');
  var form = document.getElementById('form');
  var textInput = document.getElementById('text');
  var nameInput = document.getElementById('name');
  var transportSelect = document.getElementById('transport');
  var sendButton = document.getElementById('send');
  var formMessage = document.getElementById('form-message');
  var onlineCount = document.getElementById('online-count');
  var onlineList = document.getElementById('online');
  if (!Demo.heraldLoaded(badge)) {
    sendButton.disabled = true;
    return;
  }

  var client = randomId();
  var herald = null;
  var lastId;            // the id of the last publication received: where to resume
  var lastEpoch = null;
  var lastOffset = 0;
  var announced = null;  // the name we last published a join for
  var lastTypingSent = 0;
  var typers = {};       // name -> time until which "is typing" shows

  nameInput.value = stored('herald-demo-name') || '';

  function randomId() {
    var bytes = new Uint8Array(6);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }

  function stored(key, value) {
    try {
      if (value === undefined) return localStorage.getItem(key);
      localStorage.setItem(key, value);
    } catch (e) {
      return null; // storage disabled: the name is just not remembered
    }
    return value;
  }

  function scrolledToEnd() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  }

  var placeholder = null; // "no messages yet", until the first one

  function append(li) {
    if (placeholder) {
      placeholder.remove();
      placeholder = null;
    }
    var follow = scrolledToEnd();
    log.appendChild(li);
    while (log.children.length > 300) log.removeChild(log.firstChild);
    if (follow) log.scrollTop = log.scrollHeight;
  }

  function system(text) {
    append(Demo.el('li', 'system', text));
  }

  /** Shows one publication; typing events only update the typing line. */
  function show(env, fromHistory) {
    var data = Demo.objectData(env);
    var name = Demo.short(data.name || 'anonymous', 40);
    var mine = data.client === client;
    if (env.event === 'typing') {
      if (!mine && !fromHistory && Date.now() - env.time < TYPING_SHOWN_MS) {
        typers[name] = Date.now() + TYPING_SHOWN_MS;
        renderTyping();
      }
      return;
    }
    delete typers[name];
    renderTyping();
    var li = Demo.el('li', mine ? 'mine' : null);
    li.appendChild(Demo.el('span', 'when', Demo.clockTime(env.time)));
    if (env.event === 'join' || env.event === 'leave') {
      li.className += ' system';
      li.appendChild(Demo.el('span', 'event', env.event));
      li.appendChild(document.createTextNode(name + (env.event === 'join' ? ' joined' : ' left')));
    } else {
      if (env.event !== 'message') li.appendChild(Demo.el('span', 'event', Demo.short(env.event, 64)));
      li.appendChild(Demo.el('span', 'who', name));
      li.appendChild(document.createTextNode(Demo.short(data.text, 500)));
    }
    append(li);
  }

  function renderTyping() {
    var now = Date.now();
    var names = Object.keys(typers).filter(function (n) { return typers[n] > now; });
    Object.keys(typers).forEach(function (n) { if (typers[n] <= now) delete typers[n]; });
    typingLine.textContent = names.length === 0 ? ''
        : names.join(', ') + (names.length === 1 ? ' is typing\u2026' : ' are typing\u2026');
  }
  setInterval(renderTyping, 500);

  /** True for a publication not shown yet (the seam between history and live, a transport switch). */
  function isNew(env) {
    if (env.epoch !== lastEpoch) {
      lastEpoch = env.epoch;
    } else if (env.offset <= lastOffset) {
      return false;
    }
    lastOffset = env.offset;
    lastId = env.id;
    return true;
  }

  /** Shows who is subscribed to the channel now, on every node of the server. */
  function showPresence() {
    if (!herald) return;
    var asked = herald;
    herald.presence(CHANNEL).then(function (p) {
      if (asked !== herald) return; // a transport switch meanwhile: its own answer follows
      onlineCount.textContent = String(p.clients.length);
      onlineList.textContent = '';
      p.clients.slice(0, 30).forEach(function (c) {
        onlineList.appendChild(Demo.el('li', null, c.user ? Demo.short(c.user, 40) : 'visitor ' + Demo.short(c.client, 40)));
      });
    }, function (err) {
      onlineCount.textContent = err && err.code === 'presence_disabled' ? 'not kept by this server' : '?';
      onlineList.textContent = '';
    });
  }
  setInterval(showPresence, PRESENCE_EVERY_MS);

  var handlers = {
    onJoin: showPresence,
    onLeave: showPresence,
    onPublication: function (env) {
      if (isNew(env)) show(env, false);
    },
    onReset: function () {
      system('The server could not resume this conversation (restarted, or the history expired): earlier messages may be missing.');
      lastEpoch = null;
      lastOffset = 0;
    },
    onStateChange: function (s) {
      Demo.showState(badge, s);
      if (s.state === 'open') showPresence();
    }
  };

  /** (Re)connects over the selected transport, resuming after the last id received. */
  function connect() {
    if (herald) herald.close();
    herald = new Herald(location.origin, { transports: [transportSelect.value], remember: false });
    herald.subscribe(CHANNEL, handlers, lastId ? { since: lastId } : {});
  }

  transportSelect.addEventListener('change', function () {
    system('Switching to ' + transportSelect.options[transportSelect.selectedIndex].text
        + (lastId ? ', resuming after id ' + lastId : ''));
    connect();
  });

  function publish(data, event) {
    data.client = client;
    return herald.publish(CHANNEL, data, { event: event });
  }

  function currentName() {
    return nameInput.value.trim().slice(0, 40);
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var name = currentName();
    var text = textInput.value.trim();
    if (!name) {
      formMessage.textContent = 'Pick a name first.';
      nameInput.focus();
      return;
    }
    if (!text) return;
    formMessage.textContent = '';
    stored('herald-demo-name', name);
    var joined = announced === name ? Promise.resolve() : publish({ name: name }, 'join').then(function () { announced = name; });
    sendButton.disabled = true;
    joined.then(function () {
      return publish({ name: name, text: text.slice(0, 500) }, 'message');
    }).then(function () {
      textInput.value = '';
    }, function (err) {
      formMessage.className = 'error';
      formMessage.textContent = 'Not sent: ' + (err && err.message ? err.message : String(err));
    }).then(function () {
      sendButton.disabled = false;
      textInput.focus();
    });
  });

  textInput.addEventListener('input', function () {
    var name = currentName();
    if (!name || !textInput.value || Date.now() - lastTypingSent < TYPING_EVERY_MS) return;
    lastTypingSent = Date.now();
    publish({ name: name }, 'typing').catch(function () { /* a lost typing hint does not matter */ });
  });

  Demo.closeOnLeave(function () {
    if (announced) {
      // A page going away cannot wait for a reply; sendBeacon posts the leave event anyway.
      var body = new Blob([JSON.stringify({ name: announced, client: client })], { type: 'application/json' });
      navigator.sendBeacon('/pub/' + CHANNEL + '?event=leave', body);
    }
    if (herald) herald.close();
  });

  // The recent conversation first, then live from where it ends.
  Demo.history(CHANNEL, 50).then(function (page) {
    page.messages.forEach(function (env) { if (isNew(env)) show(env, true); });
    if (log.children.length === 0) {
      system('No messages yet. Say hello.');
      placeholder = log.lastChild;
    }
    if (!lastId) lastId = page.next;
  }, function (err) {
    system('Could not read the recent messages (' + err.message + '); showing new ones.');
  }).then(connect);
})();
