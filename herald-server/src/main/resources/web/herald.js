/*!
 * herald.js: the browser client of Herald, a real-time push server.
 * No dependencies, no build step. As a classic <script> it sets window.Herald;
 * as an ES module, import it from herald.mjs. Types: herald.d.ts.
 */
(function (global) {
  'use strict';

  /** Every transport, in the default order of preference. */
  var TRANSPORTS = ['websocket', 'sse', 'xhr-streaming', 'iframe', 'long-polling', 'short-polling'];

  var DEFAULTS = {
    transports: TRANSPORTS,
    timeout: 10000,
    heartbeatTimeout: 40000,
    minReconnectDelay: 500,
    maxReconnectDelay: 30000,
    longPollTimeout: 25,
    pollInterval: 2000,
    remember: true,
    onStateChange: null,
    getToken: null,
    share: true,
    sharedWorker: true,
    workerUrl: null
  };

  /** The options a shared connection is made with: tabs share one only when these are equal. */
  var SHARED_OPTIONS = ['transports', 'timeout', 'heartbeatTimeout', 'minReconnectDelay', 'maxReconnectDelay',
    'longPollTimeout', 'pollInterval'];
  /** The version of the messages between tabs and the shared connection; part of the sharing key. */
  var SHARE_VERSION = 1;

  var CHANNEL = /^[A-Za-z0-9_.:@-]{1,128}$/;
  var EVENT = /^[A-Za-z0-9_.:-]{1,64}$/;
  /** Retries of a transport that worked before, before it is abandoned for the next. */
  var PROVEN_RETRIES = 2;
  /** An XHR stream is restarted (resuming) after this many characters, so its buffer stays small. */
  var RECYCLE_CHARS = 1 << 20;
  /** A forever iframe is restarted (resuming) after this many calls, so its document stays small. */
  var RECYCLE_CALLS = 1000;
  var TICK = 250;
  var POLL_LIMIT = 100;
  var callbackSeq = 0;

  function now() {
    return Date.now();
  }

  function defer(fn) {
    setTimeout(fn, 0);
  }

  /** Calls a user handler; an exception in it is reported, never breaks the client. */
  function call(fn, arg) {
    if (typeof fn !== 'function') {
      return;
    }
    try {
      fn(arg);
    } catch (e) {
      if (typeof global.reportError === 'function') {
        global.reportError(e);
      } else {
        setTimeout(function () { throw e; }, 0);
      }
    }
  }

  function check(name, value, pattern) {
    if (typeof value !== 'string' || !pattern.test(value)) {
      throw new TypeError(name + ' ' + JSON.stringify(value) + ' (expected: ' + pattern + ')');
    }
  }

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      if (params[k] !== undefined && params[k] !== null) {
        parts.push(k + '=' + encodeURIComponent(params[k]));
      }
    });
    return parts.length ? '?' + parts.join('&') : '';
  }

  function fromBase64(s) {
    var bin = atob(s);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      bytes[i] = bin.charCodeAt(i);
    }
    return bytes;
  }

  function toBase64(data) {
    var bytes = data instanceof ArrayBuffer ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    var bin = '';
    for (var i = 0; i < bytes.length; i += 0x8000) {
      bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(bin);
  }

  function isBinary(data) {
    return data instanceof ArrayBuffer || ArrayBuffer.isView(data);
  }

  /** An Error with the server's error code (e.g. "invalid_channel") and HTTP status. */
  function heraldError(error, status) {
    var e = new Error((error && error.message) || 'HTTP ' + status);
    e.code = (error && error.code) || 'http_' + status;
    e.status = status;
    return e;
  }

  /** Sends the token, if any, as Authorization: Bearer (docs/protocol.md, "Access control"). */
  function authorize(xhr, token) {
    if (token) {
      xhr.setRequestHeader('Authorization', 'Bearer ' + token);
    }
  }

  /**
   * GET returning parsed JSON: done(error) or done(null, status, body). Returns the XHR (to abort).
   * With a token, sends it as Authorization: Bearer.
   */
  function getJson(url, timeoutMs, done, token) {
    var xhr = new XMLHttpRequest();
    xhr.open('GET', url);
    authorize(xhr, token);
    xhr.timeout = timeoutMs;
    xhr.onload = function () {
      var body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch (e) {
        // not JSON: handled by the status
      }
      done(null, xhr.status, body);
    };
    xhr.onerror = function () { done(new Error('network error')); };
    xhr.ontimeout = function () { done(new Error('no answer within ' + timeoutMs + ' ms')); };
    xhr.send();
    return xhr;
  }

  function storage() {
    try {
      return global.sessionStorage || null;
    } catch (e) {
      return null; // blocked (sandboxed frame, privacy settings)
    }
  }

  /**
   * A subscription to one channel, returned by {@link Herald#subscribe}.
   * @param {Herald} client
   * @param {string} channel
   * @param {object} handlers
   * @param {string|null} since
   */
  function Subscription(client, channel, handlers, since) {
    this._client = client;
    /** The channel. */
    this.channel = channel;
    /** The id of the last publication received (or the position to resume after); null until known. */
    this.lastId = null;
    this._handlers = handlers || {};
    this._epoch = null;
    this._offset = null;
    this._closed = false;
    this._gotState = false;
    moveTo(this, since || null, true);
  }

  /** An id "EPOCH-OFFSET" as {epoch, offset}, or null when it is not one. */
  function parseId(id) {
    var m = typeof id === 'string' && /^([a-z0-9]{1,32})-([0-9]{1,19})$/.exec(id);
    return m ? { epoch: m[1], offset: Number(m[2]) } : null;
  }

  /**
   * Sets a subscription's position to id: publications at or before it are dropped from then on.
   * Unless forced (a reset, a given since), a position never moves back within an epoch.
   */
  function moveTo(sub, id, force) {
    var p = parseId(id);
    if (!force && p && p.epoch === sub._epoch && p.offset < sub._offset) {
      return;
    }
    sub.lastId = id;
    sub._epoch = p ? p.epoch : null;
    sub._offset = p ? p.offset : null;
  }

  /** Stops receiving this channel. Idempotent. */
  Subscription.prototype.unsubscribe = function () {
    this._client._unsubscribe(this);
  };

  // ---------------------------------------------------------------------------------------------
  // Connections: one attempt of one transport, serving every subscription of the client. Each has
  // start(), add(sub), remove(sub), check(now, options) (called every TICK ms; returns why it is
  // dead, or null) and stop(). A connection is open once the server's first bytes arrive through
  // it (not mere headers: a buffering proxy passes those). It reports to the client through
  // _opened, _failed, _publication, _reset, _position and _advance, and never after stop().

  function Connection(client, name) {
    this.client = client;
    this.name = name;
    this.opened = false;
    this.stopped = false;
    this.startedAt = now();
    this.lastActivity = this.startedAt;
  }

  Connection.prototype.alive = function () {
    this.lastActivity = now();
    if (!this.opened && !this.stopped) {
      this.client._opened(this);
    }
  };

  Connection.prototype.fail = function (reason, advice) {
    if (!this.stopped) {
      this.client._failed(this, reason, advice);
    }
  };

  /** The WebSocket JSON protocol on /ws: many channels on one socket, publish as a command. */
  function WebSocketConnection(client) {
    Connection.call(this, client, 'websocket');
    this.nextId = 1;
    this.pending = {};
    this.advice = null;
    this.lastPing = 0;
  }
  WebSocketConnection.prototype = Object.create(Connection.prototype);

  WebSocketConnection.prototype.start = function () {
    var self = this;
    this.client._withToken(null, this, function (token) {
      self.token = token;
      self.open();
    });
  };

  WebSocketConnection.prototype.open = function () {
    var self = this;
    var ws;
    try {
      ws = new WebSocket(this.client._base.replace(/^http/, 'ws') + '/ws');
    } catch (e) {
      defer(function () { self.fail('cannot open a WebSocket: ' + e.message); });
      return;
    }
    this.ws = ws;
    ws.onopen = function () {
      // With a token, connect first (the server serves nothing else before it); then refresh in place.
      if (self.token) {
        self.command({ op: 'connect', token: self.token }, function (r) { self.authenticated(r); });
      }
      // Open once the server answers: an upgrade let through by a buffering proxy is not enough.
      self.command({ op: 'ping' });
      self.client._subscriptions().forEach(function (sub) { self.subscribe(sub); });
    };
    ws.onmessage = function (e) { self.received(e.data); };
    ws.onclose = function (e) {
      var advice = self.advice || { code: e.code, reason: e.reason || 'WebSocket closed',
        reconnect: e.code !== 1008 && e.code !== 1009 && !(e.code >= 4500 && e.code < 5000) };
      self.fail('WebSocket closed (' + e.code + ')', advice);
    };
  };

  WebSocketConnection.prototype.received = function (text) {
    if (this.stopped) {
      return;
    }
    var m;
    try {
      m = JSON.parse(text);
    } catch (e) {
      return this.fail('not JSON from the server');
    }
    this.alive();
    if (m.disconnect) {
      this.advice = m.disconnect;
    } else if (m.join || m.leave) {
      this.client._presenceEvent(m.join || m.leave, !!m.join);
    } else if ('ok' in m || 'error' in m) {
      var handler = this.pending[m.id];
      delete this.pending[m.id];
      if (handler) {
        handler.reply(m);
      }
    } else {
      this.client._publication(m);
    }
  };

  /** Sends a command; reply(m) gets the reply, lost() is called if the connection ends first. */
  WebSocketConnection.prototype.command = function (cmd, reply, lost) {
    cmd.id = this.nextId++;
    this.pending[cmd.id] = { reply: reply || function () {}, lost: lost || function () {} };
    this.ws.send(JSON.stringify(cmd));
  };

  /**
   * The reply to connect or refresh: schedules the next refresh at about 80 % of expires_in. A refused
   * refresh leaves the old deadline; the server then ends the socket with 4004 and the client
   * reconnects with a new token, resuming.
   */
  WebSocketConnection.prototype.authenticated = function (r) {
    var self = this;
    if (r.error || typeof r.expires_in !== 'number' || this.stopped) {
      return;
    }
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(function () {
      self.client._fetchToken(null).then(function (token) {
        if (self.isOpen()) {
          self.token = token;
          self.client._token = token;
          self.command({ op: 'refresh', token: token }, function (reply) { self.authenticated(reply); });
        }
      }, function () {
        // no new token: the server ends the session at expiry (4004) and the client reconnects
      });
    }, Math.max(1, r.expires_in) * 800);
  };

  WebSocketConnection.prototype.isOpen = function () {
    return !this.stopped && this.ws && this.ws.readyState === 1;
  };

  WebSocketConnection.prototype.subscribe = function (sub) {
    var client = this.client;
    var cmd = { op: 'subscribe', channel: sub.channel };
    if (sub.lastId) {
      cmd.since = sub.lastId;
    }
    this.command(cmd, function (r) {
      if (r.error && (r.error.code === 'unauthorized' || r.error.code === 'token_expired')) {
        return; // the connection's credential failed: the socket's close (4401, 4004) decides what follows
      }
      if (r.error) {
        client._subscriptionFailed(sub, heraldError(r.error, 0));
      } else if (r.reset) {
        client._reset(sub, r.position);
      } else {
        client._position(sub, r.position);
      }
    });
  };

  WebSocketConnection.prototype.add = function (sub) {
    if (this.isOpen()) {
      this.subscribe(sub);
    }
  };

  WebSocketConnection.prototype.remove = function (sub) {
    if (this.isOpen()) {
      this.command({ op: 'unsubscribe', channel: sub.channel });
    }
  };

  WebSocketConnection.prototype.publish = function (channel, data, event) {
    var self = this;
    return new Promise(function (resolve, reject) {
      var cmd = { op: 'publish', channel: channel };
      if (event) {
        cmd.event = event;
      }
      if (isBinary(data)) {
        cmd.data_b64 = toBase64(data);
      } else {
        cmd.data = data;
      }
      self.command(cmd, function (r) {
        if (r.error) {
          reject(heraldError(r.error, 0));
        } else {
          resolve({ channel: r.channel, id: r.position, offset: r.offset });
        }
      }, function () {
        reject(heraldError({ code: 'disconnected', message: 'the connection closed before the reply' }, 0));
      });
    });
  };

  /** Silence past heartbeatTimeout fails; past half of it, a ping asks the server for a word. */
  /** The presence command; resolves with the reply's fields, rejects with a heraldError. */
  WebSocketConnection.prototype.presence = function (channel, count) {
    var self = this;
    return new Promise(function (resolve, reject) {
      self.command({ op: 'presence', channel: channel, count: count }, function (r) {
        if (r.error) {
          reject(heraldError(r.error, 0));
        } else {
          delete r.id;
          delete r.ok;
          resolve(r);
        }
      }, function () {
        reject(heraldError({ code: 'connection_lost', message: 'the connection ended before the reply' }, 0));
      });
    });
  };

  WebSocketConnection.prototype.check = function (t, options) {
    if (!this.opened) {
      return t - this.startedAt > options.timeout ? 'nothing received within ' + options.timeout + ' ms' : null;
    }
    var idle = t - this.lastActivity;
    if (idle > options.heartbeatTimeout) {
      return 'nothing received for ' + idle + ' ms';
    }
    if (idle > options.heartbeatTimeout / 2 && t - this.lastPing > options.heartbeatTimeout / 2 && this.isOpen()) {
      this.lastPing = t;
      this.command({ op: 'ping' });
    }
    return null;
  };

  WebSocketConnection.prototype.stop = function () {
    this.stopped = true;
    clearTimeout(this.refreshTimer);
    var ws = this.ws;
    if (ws) {
      ws.onmessage = ws.onclose = ws.onerror = null;
      if (ws.readyState === 0) {
        ws.onopen = function () { ws.close(1000); }; // closing while connecting logs a browser error
      } else {
        ws.onopen = null;
        ws.close(1000);
      }
    }
    var pending = this.pending;
    this.pending = {};
    Object.keys(pending).forEach(function (id) { pending[id].lost(); });
  };

  /**
   * The HTTP transports: one stream (or one request at a time) for every subscription of the client,
   * on the multi-channel endpoints (docs/protocol.md, "Several channels on one request"), resuming from the
   * cursor of the channels' last ids. Subscribing or unsubscribing reopens it from the current cursor,
   * at most once per macrotask (ten subscribe calls in a row open one stream). The connection is open
   * once its streams have shown a sign of life. SSE and the iframe with getToken keep one stream per
   * channel: their credential is a ticket, which is for one channel (docs/protocol.md, "Access control").
   */
  function HttpConnection(client, name, Leg) {
    Connection.call(this, client, name);
    this.Leg = Leg;
    this.legs = [];
    this.timer = null;
    this.perChannel = !!(Leg.ticketed && client._options.getToken);
  }
  HttpConnection.prototype = Object.create(Connection.prototype);

  HttpConnection.prototype.start = function () {
    var self = this;
    this.client._withToken(null, this, function (token) {
      self.token = token;
      self.ready = true;
      self.reopen();
    });
  };

  /** A change of the subscriptions: the stream is reopened with them, after the current macrotask. */
  HttpConnection.prototype.changed = function () {
    var self = this;
    if (!this.stopped && this.ready && !this.timer) {
      this.timer = setTimeout(function () {
        self.timer = null;
        self.reopen();
      }, 0);
    }
  };
  HttpConnection.prototype.add = HttpConnection.prototype.changed;
  HttpConnection.prototype.remove = HttpConnection.prototype.changed;

  /** Stops the current stream and opens one for the current subscriptions (none: no stream). */
  HttpConnection.prototype.reopen = function () {
    var self = this;
    if (this.stopped) {
      return;
    }
    this.legs.forEach(function (leg) { leg.stop(); });
    var subs = this.client._subscriptions();
    var groups = this.perChannel ? subs.map(function (sub) { return [sub]; }) : subs.length ? [subs] : [];
    this.legs = groups.map(function (group) { return new self.Leg(self, group); });
    this.legs.forEach(function (leg) { leg.start(); });
  };

  HttpConnection.prototype.legAlive = function (leg) {
    leg.opened = true;
    leg.lastActivity = now();
    if (this.opened || this.legs.every(function (l) { return l.opened; })) {
      this.alive();
    }
  };

  HttpConnection.prototype.check = function (t, options) {
    var why = null;
    this.legs.forEach(function (leg) {
      if (why || leg.stopped) {
        return;
      }
      if (leg.tick) {
        leg.tick();
      }
      if (!leg.opened && t - leg.startedAt > options.timeout) {
        why = 'nothing received within ' + options.timeout + ' ms';
      } else if (leg.opened && leg.watched && t - leg.lastActivity > options.heartbeatTimeout) {
        why = 'no heartbeat for ' + (t - leg.lastActivity) + ' ms';
      }
    });
    return why;
  };

  HttpConnection.prototype.stop = function () {
    this.stopped = true;
    clearTimeout(this.timer);
    this.legs.forEach(function (leg) { leg.stop(); });
  };

  /**
   * One request or stream of an HTTP transport, for the subscriptions subs (in this order: the order
   * of its channel parameters and cursor entries). A subclass defines open() and may define tick()
   * and close().
   */
  function Leg(conn, subs) {
    this.conn = conn;
    this.client = conn.client;
    this.subs = subs;
    this.opened = false;
    this.stopped = false;
    this.watched = true; // streaming legs are expected to hear a heartbeat
    this.startedAt = now();
    this.lastActivity = this.startedAt;
    this.advice = null;
  }

  Leg.prototype.alive = function () {
    if (!this.stopped) {
      this.conn.legAlive(this);
    }
  };

  Leg.prototype.fail = function (reason) {
    if (!this.stopped) {
      this.conn.fail(reason, this.advice);
    }
  };

  /** The cursor: each subscription's last id, or empty, joined by commas (docs/protocol.md, "The cursor"). */
  Leg.prototype.cursor = function () {
    var c = this.subs.map(function (sub) { return sub.lastId || ''; }).join(',');
    return /[^,]/.test(c) ? c : null;
  };

  /** path?channel=a&channel=b&params... */
  Leg.prototype.url = function (path, params) {
    var q = query(params);
    return this.client._base + path + '?' + this.subs.map(function (sub) {
      return 'channel=' + encodeURIComponent(sub.channel);
    }).join('&') + (q ? '&' + q.slice(1) : '');
  };

  /** The credential of SSE and the iframe: a ticket for the one channel, else the connection token. */
  Leg.prototype.ticketChannel = function () {
    return this.subs.length === 1 ? this.subs[0].channel : null;
  };

  /**
   * Starts the stream after learning the positions it lacks, so a reconnect resumes from them. A
   * subscription whose since is not a position fails here: in the cursor it would refuse them all.
   */
  Leg.prototype.start = function () {
    var self = this;
    var client = this.client;
    var bad = this.subs.filter(function (sub) { return sub.lastId != null && !parseId(sub.lastId); });
    if (bad.length) {
      return defer(function () {
        bad.forEach(function (sub) {
          client._subscriptionFailed(sub, heraldError({ code: 'invalid_since',
            message: 'since ' + JSON.stringify(sub.lastId) + ' is not a position (expected: EPOCH-OFFSET)' }, 400));
        });
      });
    }
    var unknown = this.subs.filter(function (sub) { return sub.lastId == null; });
    if (!unknown.length) {
      return this.open();
    }
    var probe = new Leg(this.conn, unknown);
    this.request = getJson(probe.url('/poll', { limit: 0 }), this.client._options.timeout, function (err, status, body) {
      if (self.answered(err, status, body)) {
        probe.advance(body.next, true);
        self.open();
      }
    }, this.conn.token);
  };

  /** Sets the positions of a cursor's entries (start: only of the subscriptions without one). */
  Leg.prototype.advance = function (cursor, start) {
    var client = this.client;
    var entries = typeof cursor === 'string' ? cursor.split(',') : [];
    this.subs.forEach(function (sub, i) {
      if (entries[i]) {
        if (start) {
          client._position(sub, entries[i]);
        } else {
          client._advance(sub, entries[i]);
        }
      }
    });
  };

  /** The subscriptions an error names (its message quotes the channel), else all of them. */
  Leg.prototype.culprits = function (error) {
    var named = this.subs.filter(function (sub) {
      return error && typeof error.message === 'string' && error.message.indexOf(JSON.stringify(sub.channel)) >= 0;
    });
    return named.length ? named : this.subs;
  };

  /** A refusal of the request: the subscriptions it names fail (the others reopen without them). */
  Leg.prototype.refused = function (body, status) {
    var client = this.client;
    this.culprits(body.error).forEach(function (sub) { client._subscriptionFailed(sub, heraldError(body.error, status)); });
  };

  /** Handles a JSON answer's failure cases; true when it is a 200 to go on with. */
  Leg.prototype.answered = function (err, status, body) {
    if (this.stopped) {
      return false;
    }
    if (err) {
      this.fail(err.message);
    } else if (status === 400 && body && body.error) {
      this.refused(body, status);
    } else if (status === 401 && body && body.error && body.error.code === 'token_expired') {
      // As the streams' goodbye 4004: a new token, then resume from the last id.
      this.advice = { code: 4004, reason: 'token expired', reconnect: true };
      this.fail('token expired');
    } else if (status === 401 && body && body.error) {
      this.advice = { code: 4401, reason: body.error.message, reconnect: false };
      this.fail('unauthorized');
    } else if (status === 403 && body && body.error) {
      this.refused(body, status);
    } else if (status !== 200 || !body) {
      this.fail('HTTP ' + status);
    } else {
      return true;
    }
    return false;
  };

  Leg.prototype.sub = function (channel) {
    var subs = this.subs;
    for (var i = 0; i < subs.length; i++) {
      if (subs[i].channel === channel) {
        return subs[i];
      }
    }
    return null;
  };

  /** A message of the streaming formats: an envelope, a reset notice, the start cursor or the goodbye. */
  Leg.prototype.message = function (m) {
    if (m.disconnect) {
      this.advice = m.disconnect;
    } else if (typeof m.cursor === 'string') {
      this.advance(m.cursor, false);
    } else if (m.reset) {
      var sub = this.sub(m.channel);
      if (sub) {
        this.client._reset(sub, m.id);
      }
    } else {
      this.client._publication(m);
    }
  };

  /**
   * A page of the polling formats: {messages, next}, each message an envelope or a channel's reset
   * item (before that channel's messages); next is the cursor after the page.
   */
  Leg.prototype.page = function (body) {
    for (var i = 0; i < body.messages.length && !this.stopped; i++) {
      this.message(body.messages[i]);
    }
    if (!this.stopped) {
      this.advance(body.next, false);
    }
  };

  Leg.prototype.stop = function () {
    this.stopped = true;
    if (this.request) {
      this.request.abort();
    }
    if (this.close) {
      this.close();
    }
  };

  function legType(open, proto, ticketed) {
    function L(conn, subs) {
      Leg.call(this, conn, subs);
    }
    L.ticketed = !!ticketed;
    L.prototype = Object.create(Leg.prototype);
    L.prototype.open = open;
    Object.keys(proto || {}).forEach(function (k) { L.prototype[k] = proto[k]; });
    return L;
  }

  /** Server-Sent Events with heartbeat events, which EventSource can see; the envelopes name their channels. */
  var SseLeg = legType(function () {
    var self = this;
    this.client._withToken(this.ticketChannel(), this, function (ticket) { self.stream(ticket); });
  }, {
    stream: function (ticket) {
      var self = this;
      var es = this.es = new EventSource(this.url('/sse', { format: 'envelope', heartbeat: 'event', since: this.cursor(),
        token: ticket }));
      function on(fn) {
        return function (e) {
          if (!self.stopped) {
            self.alive();
            fn(e);
          }
        };
      }
      es.onmessage = on(function (e) { self.message(JSON.parse(e.data)); });
      es.addEventListener('herald-heartbeat', on(function () {}));
      es.addEventListener('herald-reset', on(function (e) { self.message(JSON.parse(e.data)); }));
      es.addEventListener('herald-disconnect', on(function (e) { self.message({ disconnect: JSON.parse(e.data) }); }));
      // EventSource would reconnect by itself; the client decides instead (backoff, fallback).
      es.onerror = function () {
        es.close();
        self.fail('event stream ended');
      };
    },
    close: function () {
      if (this.es) {
        this.es.close();
      }
    }
  }, true);

  /** XHR streaming: newline-delimited envelopes (and the start cursor) read as they arrive. */
  var XhrStreamLeg = legType(function () {
    var self = this;
    var xhr = this.request = new XMLHttpRequest();
    var seen = 0;
    var pos = 0;
    function read() {
      if (self.stopped || xhr.status !== 200) {
        return;
      }
      var text = xhr.responseText;
      if (text.length === seen) {
        return;
      }
      seen = text.length;
      self.alive();
      var nl;
      while (!self.stopped && (nl = text.indexOf('\n', pos)) >= 0) {
        var line = text.slice(pos, nl);
        pos = nl + 1;
        if (line.trim()) {
          self.message(JSON.parse(line));
        }
      }
      if (pos > RECYCLE_CHARS && !self.stopped) {
        xhr.onreadystatechange = xhr.onload = xhr.onerror = null;
        xhr.abort();
        self.open();
      }
    }
    xhr.open('GET', this.url('/stream', { since: this.cursor() }));
    authorize(xhr, this.conn.token);
    xhr.onreadystatechange = function () {
      if (xhr.readyState === 3) {
        read();
      }
    };
    xhr.onload = function () {
      read();
      if (xhr.status === 200) {
        return self.fail('stream ended');
      }
      var body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch (e) {
        // not JSON
      }
      self.answered(null, xhr.status, body);
    };
    xhr.onerror = function () { self.fail('stream failed'); };
    xhr.send();
  });

  /**
   * The forever iframe: a hidden page whose scripts call a function of this page. It works only when
   * the page and the server share an origin. Its heartbeats are comments, seen in its document.
   */
  var IframeLeg = legType(function () {
    var self = this;
    var base = new URL(this.client._base);
    if (!global.location || base.origin !== global.location.origin) {
      return defer(function () { self.fail('the forever iframe needs the page and the server on one origin'); });
    }
    this.client._withToken(this.ticketChannel(), this, function (ticket) { self.frameWith(ticket); });
  }, {
    frameWith: function (ticket) {
      var self = this;
      var name = this.callback = '__herald' + (++callbackSeq);
      var calls = 0;
      global[name] = function (m) {
        if (self.stopped) {
          return;
        }
        self.alive();
        self.message(m);
        if (++calls === RECYCLE_CALLS && !self.stopped) {
          defer(function () {
            if (!self.stopped) {
              self.close();
              self.open();
            }
          });
        }
      };
      var frame = this.frame = document.createElement('iframe');
      frame.style.display = 'none';
      frame.src = this.url('/iframe', { callback: name, since: this.cursor(), token: ticket });
      frame.onload = function () { self.fail('iframe stream ended'); };
      this.nodes = 0;
      (document.body || document.documentElement).appendChild(frame);
    },
    tick: function () {
      var doc = null;
      try {
        doc = this.frame && this.frame.contentDocument;
      } catch (e) {
        // not readable
      }
      var n = doc && doc.body ? doc.body.childNodes.length : 0;
      if (n !== this.nodes) {
        this.nodes = n;
        this.alive();
      }
    },
    close: function () {
      if (this.frame) {
        this.frame.onload = null;
        this.frame.remove();
        this.frame = null;
        delete global[this.callback];
      }
    }
  }, true);

  /**
   * Long polling: a quick poll first (it confirms the path, learns the positions or catches up),
   * then held requests.
   */
  var LongPollLeg = legType(function () {
    this.watched = false; // each request has its own timeout
    this.poll('/poll', { since: this.cursor(), limit: 1000 }, this.client._options.timeout);
  }, {
    start: function () { this.open(); },
    poll: function (path, params, timeoutMs) {
      var self = this;
      this.request = getJson(this.url(path, params), timeoutMs, function (err, status, body) {
        if (self.answered(err, status, body)) {
          self.alive();
          self.page(body);
          var seconds = self.client._options.longPollTimeout;
          if (!self.stopped) {
            self.poll('/longpoll', { since: self.cursor(), timeout: seconds }, seconds * 1000 + self.client._options.timeout);
          }
        }
      }, this.conn.token);
    }
  });

  /**
   * Short polling: GET /poll every pollInterval, at once again while a channel's page comes back full.
   * A channel without a position yet gets none and learns it (docs/protocol.md, "Several channels on one request").
   */
  var ShortPollLeg = legType(function () {
    var self = this;
    this.watched = false;
    this.request = getJson(this.url('/poll', { since: this.cursor(), limit: POLL_LIMIT }), this.client._options.timeout,
      function (err, status, body) {
        if (self.answered(err, status, body)) {
          self.alive();
          self.page(body);
          if (!self.stopped) {
            var full = {};
            var again = false;
            body.messages.forEach(function (m) {
              if (!m.reset) {
                full[m.channel] = (full[m.channel] || 0) + 1;
                again = again || full[m.channel] >= POLL_LIMIT;
              }
            });
            self.timer = setTimeout(function () { self.open(); }, again ? 0 : self.client._options.pollInterval);
          }
        }
      }, this.conn.token);
  }, {
    start: function () { this.open(); },
    close: function () { clearTimeout(this.timer); }
  });

  var CONNECTIONS = {
    'websocket': function (client) { return new WebSocketConnection(client); },
    'sse': function (client) { return new HttpConnection(client, 'sse', SseLeg); },
    'xhr-streaming': function (client) { return new HttpConnection(client, 'xhr-streaming', XhrStreamLeg); },
    'iframe': function (client) { return new HttpConnection(client, 'iframe', IframeLeg); },
    'long-polling': function (client) { return new HttpConnection(client, 'long-polling', LongPollLeg); },
    'short-polling': function (client) { return new HttpConnection(client, 'short-polling', ShortPollLeg); }
  };


  // ---------------------------------------------------------------------------------------------
  // Sharing one connection among the tabs of an origin (docs/architecture.md, "herald.js: one
  // connection per browser"). A hub runs one engine (a Herald with share off) for every Herald
  // client of the tabs with the same server and connection options: in a SharedWorker, or else in
  // the tab holding a Web Lock, relaying over a BroadcastChannel. Each tab has one router per key;
  // each Herald client is a member of the hub. Tab to hub: hello, sub, unsub, call, bye, r (the
  // events of a connection a tab runs for the worker). Hub to tabs: hub (a new hub: register again),
  // state, subbed, pub, reset, pos, adv, error, presence, ret, and run/radd/rrem/rstop.

  var TAB_ID = Math.random().toString(36).slice(2) + now().toString(36);
  var memberSeq = 0;
  var PRUNE_EVERY = 2000;

  function locks() {
    return global.navigator && global.navigator.locks && typeof global.navigator.locks.request === 'function'
      ? global.navigator.locks : null;
  }

  /** Holds the Web Lock name until the returned function is called; granted() runs when it is held. */
  function holdLock(name, granted) {
    var release = null;
    var released = false;
    locks().request(name, function () {
      if (released) {
        return null;
      }
      if (granted) {
        granted();
      }
      return new Promise(function (resolve) { release = resolve; });
    }).catch(function () {});
    return function () {
      released = true;
      if (release) {
        release();
      }
    };
  }

  /** The older of two positions (same epoch: the smaller offset; otherwise the first); null counts as none. */
  function older(a, b) {
    var pa = parseId(a);
    var pb = parseId(b);
    if (a == null || (pa && pb && pa.epoch === pb.epoch && pb.offset < pa.offset)) {
      return b;
    }
    return a;
  }

  function plainError(e) {
    return { code: e && e.code, message: e && e.message, status: e && e.status };
  }

  function values(o) {
    return Object.keys(o).map(function (k) { return o[k]; });
  }

  /**
   * The hub: one engine for its members. post(msg, member, channel) sends msg to member, else to
   * the members subscribed to channel, else to every member.
   */
  function Hub(post) {
    this.post = post;
    this.members = {};
    this.channels = {};
    this.remotes = {};
    this.engine = null;
    this.startedAt = now();
    var self = this;
    if (locks()) {
      this.pruner = setInterval(function () { self.prune(); }, PRUNE_EVERY);
    }
  }

  Hub.prototype.receive = function (msg, port) {
    var m = this.members[msg.m];
    if (msg.t === 'hello') {
      this.hello(msg, port);
    } else if (msg.t === 'r') {
      var remote = this.remotes[msg.cid];
      if (remote) {
        remote.event(msg);
      }
    } else if (m && msg.t === 'sub') {
      this.sub(m, msg.channel, msg.since);
    } else if (m && msg.t === 'unsub') {
      this.unsub(m, msg.channel);
    } else if (m && msg.t === 'call') {
      this.call(m, msg);
    } else if (m && msg.t === 'bye') {
      this.drop(m);
    }
  };

  Hub.prototype.hello = function (msg, port) {
    var m = this.members[msg.m];
    if (!m) {
      m = this.members[msg.m] = { id: msg.m, tab: msg.tab, port: port, channels: {}, joined: now() };
    }
    if (!this.engine) {
      this.start(msg);
    }
    var engine = this.engine;
    if (engine._state) {
      this.post({ t: 'state', m: m.id, event: engine._state, transport: engine.transport }, m);
    }
  };

  Hub.prototype.start = function (msg) {
    var self = this;
    var options = {};
    SHARED_OPTIONS.forEach(function (k) { options[k] = msg.options[k]; });
    options.share = false;
    options.remember = false;
    options.onStateChange = function (event) {
      if (self.engine === engine) {
        self.post({ t: 'state', event: event, transport: engine.transport }, null, null);
        if (event.state === 'closed') {
          self.engine = null;
          self.channels = {};
        }
      }
    };
    var engine = this.engine = new Herald(msg.base, options);
    engine._hub = this;
    engine._index = Math.max(0, options.transports.indexOf(msg.remembered));
    this.channels = {};
  };

  Hub.prototype.sub = function (m, channel, since) {
    m.channels[channel] = true;
    var ch = this.channels[channel];
    if (ch && ch.sub) {
      return this.post({ t: 'subbed', m: m.id, channel: channel, fresh: false, pos: ch.sub.lastId }, m);
    }
    var self = this;
    if (!ch) {
      ch = this.channels[channel] = { sub: null, since: null, waiting: [] };
      // A new hub waits a little for the tabs registering again, to start each channel from the oldest position.
      setTimeout(function () { self.open(channel, ch); }, now() - this.startedAt < 500 ? 100 : 0);
    }
    ch.waiting.push(m.id);
    ch.since = older(ch.since, since);
  };

  Hub.prototype.open = function (channel, ch) {
    var self = this;
    if (this.channels[channel] !== ch || !this.engine) {
      return;
    }
    var waiting = ch.waiting.filter(function (id) { return self.members[id] && self.members[id].channels[channel]; });
    if (!waiting.length) {
      delete this.channels[channel];
      return;
    }
    waiting.forEach(function (id) {
      self.post({ t: 'subbed', m: id, channel: channel, fresh: true }, self.members[id]);
    });
    function relay(t, extra) {
      return function (x) {
        var msg = { t: t, channel: channel };
        msg[extra] = x;
        self.post(msg, null, channel);
      };
    }
    ch.sub = this.engine.subscribe(channel, {
      onPublication: relay('pub', 'p'),
      onReset: function (r) { self.post({ t: 'reset', channel: channel, id: r.id }, null, channel); },
      onJoin: function (e) { self.post({ t: 'presence', channel: channel, e: e, join: true }, null, channel); },
      onLeave: function (e) { self.post({ t: 'presence', channel: channel, e: e, join: false }, null, channel); },
      onError: function (e) {
        self.post({ t: 'error', channel: channel, error: plainError(e) }, null, channel);
        if (self.channels[channel] === ch) {
          delete self.channels[channel];
        }
        values(self.members).forEach(function (member) { delete member.channels[channel]; });
      },
      _onPosition: relay('pos', 'id'),
      _onAdvance: relay('adv', 'id')
    }, { since: ch.since || undefined });
  };

  Hub.prototype.unsub = function (m, channel) {
    delete m.channels[channel];
    var ch = this.channels[channel];
    if (ch && !values(this.members).some(function (o) { return o.channels[channel]; })) {
      delete this.channels[channel];
      if (ch.sub) {
        ch.sub.unsubscribe();
      }
    }
  };

  Hub.prototype.call = function (m, msg) {
    var self = this;
    var engine = this.engine;
    var result = engine ? Promise.resolve().then(function () { return engine[msg.op].apply(engine, msg.args); })
      : Promise.reject(heraldError({ code: 'closed', message: 'the shared connection is closed' }, 0));
    result.then(function (value) {
      self.post({ t: 'ret', m: m.id, rid: msg.rid, value: value }, m);
    }, function (e) {
      self.post({ t: 'ret', m: m.id, rid: msg.rid, error: plainError(e) }, m);
    });
  };

  Hub.prototype.drop = function (m) {
    var self = this;
    Object.keys(m.channels).forEach(function (channel) { self.unsub(m, channel); });
    delete this.members[m.id];
    values(this.remotes).forEach(function (r) {
      if (r.member === m) {
        r.fail('the page running the ' + r.name + ' connection went away');
      }
    });
    if (!Object.keys(this.members).length && this.engine) {
      var engine = this.engine;
      this.engine = null;
      this.channels = {};
      engine.close();
    }
  };

  /** Drops the members whose tab no longer holds its lock (closed without a word). */
  Hub.prototype.prune = function () {
    var self = this;
    locks().query().then(function (state) {
      var held = {};
      (state.held || []).concat(state.pending || []).forEach(function (l) { held[l.name] = true; });
      values(self.members).forEach(function (m) {
        if (!held['herald tab ' + m.tab] && now() - m.joined > PRUNE_EVERY) {
          self.drop(m);
        }
      });
    }, function () {});
  };

  /** The member whose page runs a connection that needs a document: the newest. */
  Hub.prototype.host = function () {
    var best = null;
    values(this.members).forEach(function (m) {
      if (!best || m.joined >= best.joined) {
        best = m;
      }
    });
    return best;
  };

  /**
   * A connection run by a tab for the hub in a SharedWorker, for a transport that needs a document
   * (the forever iframe). The tab watches it (timeouts, heartbeats) and reports its events.
   */
  var remoteSeq = 0;
  function RemoteConnection(client, name, hub) {
    Connection.call(this, client, name);
    this.hub = hub;
    this.cid = TAB_ID + '.' + (++remoteSeq);
  }
  RemoteConnection.prototype = Object.create(Connection.prototype);

  RemoteConnection.prototype.start = function () {
    var self = this;
    var m = this.member = this.hub.host();
    if (!m) {
      return defer(function () { self.fail('no page to run the ' + self.name + ' connection in'); });
    }
    this.hub.remotes[this.cid] = this;
    var options = {};
    SHARED_OPTIONS.forEach(function (k) { options[k] = self.client._options[k]; });
    this.send({ t: 'run', transport: this.name, base: this.client._base, options: options,
      subs: this.client._subscriptions().map(function (s) { return { channel: s.channel, lastId: s.lastId }; }) });
  };

  RemoteConnection.prototype.send = function (msg) {
    msg.m = this.member.id;
    msg.cid = this.cid;
    this.hub.post(msg, this.member);
  };

  RemoteConnection.prototype.add = function (sub) {
    this.send({ t: 'radd', channel: sub.channel, lastId: sub.lastId });
  };

  RemoteConnection.prototype.remove = function (sub) {
    this.send({ t: 'rrem', channel: sub.channel });
  };

  RemoteConnection.prototype.check = function (t, options) {
    return !this.opened && t - this.startedAt > options.timeout * 2 ? 'nothing received within ' + options.timeout + ' ms' : null;
  };

  RemoteConnection.prototype.stop = function () {
    this.stopped = true;
    if (this.hub.remotes[this.cid] === this) {
      delete this.hub.remotes[this.cid];
      this.send({ t: 'rstop' });
    }
  };

  RemoteConnection.prototype.event = function (msg) {
    var client = this.client;
    var sub = client._subs[msg.channel];
    if (this.stopped) {
      return;
    }
    switch (msg.ev) {
      case 'opened': return this.alive();
      case 'failed': return this.fail(msg.reason, msg.advice);
      case 'pub': return client._publication(msg.p);
      case 'reset': return client._reset(sub, msg.id);
      case 'pos': return client._position(sub, msg.id);
      case 'adv': return client._advance(sub, msg.id);
      case 'subfail': return client._subscriptionFailed(sub, heraldError(msg.error, msg.error.status));
      case 'presence': return client._presenceEvent(msg.e, msg.join);
    }
  };

  /** The tab's side of a RemoteConnection: a stand-in for the client a connection reports to. */
  function RemoteHost(router, msg) {
    var self = this;
    this.router = router;
    this.cid = msg.cid;
    this._base = msg.base;
    this._options = msg.options;
    this._subs = {};
    msg.subs.forEach(function (s) { self._subs[s.channel] = { channel: s.channel, lastId: s.lastId }; });
    this.conn = CONNECTIONS[msg.transport](this);
    this.ticker = setInterval(function () {
      var why = self.conn.check(now(), self._options);
      if (why) {
        self.conn.fail(why);
      }
    }, TICK);
    this.conn.start();
  }

  RemoteHost.prototype.up = function (ev, msg) {
    msg.t = 'r';
    msg.cid = this.cid;
    msg.ev = ev;
    this.router.send(msg);
  };
  RemoteHost.prototype._withToken = function (channel, owner, fn) { fn(null); };
  RemoteHost.prototype._subscriptions = function () { return values(this._subs); };
  RemoteHost.prototype._opened = function (conn) {
    conn.opened = true;
    this.up('opened', {});
  };
  RemoteHost.prototype._failed = function (conn, reason, advice) {
    this.stop();
    this.up('failed', { reason: reason, advice: advice });
  };
  RemoteHost.prototype._publication = function (p) {
    var sub = this._subs[p.channel];
    if (sub) {
      sub.lastId = p.id;
      this.up('pub', { p: p });
    }
  };
  RemoteHost.prototype._reset = function (sub, id) {
    sub.lastId = id;
    this.up('reset', { channel: sub.channel, id: id });
  };
  RemoteHost.prototype._position = function (sub, id) {
    if (sub.lastId == null) {
      sub.lastId = id;
    }
    this.up('pos', { channel: sub.channel, id: id });
  };
  RemoteHost.prototype._advance = function (sub, id) {
    sub.lastId = id;
    this.up('adv', { channel: sub.channel, id: id });
  };
  RemoteHost.prototype._subscriptionFailed = function (sub, error) {
    this.remove(sub.channel);
    this.up('subfail', { channel: sub.channel, error: plainError(error) });
  };
  RemoteHost.prototype._presenceEvent = function (e, join) { this.up('presence', { e: e, join: join }); };
  RemoteHost.prototype.add = function (channel, lastId) {
    var sub = this._subs[channel] = { channel: channel, lastId: lastId };
    this.conn.add(sub);
  };
  RemoteHost.prototype.remove = function (channel) {
    var sub = this._subs[channel];
    if (sub) {
      delete this._subs[channel];
      this.conn.remove(sub);
    }
  };
  RemoteHost.prototype.stop = function () {
    clearInterval(this.ticker);
    this.conn.stop();
    delete this.router.hosted[this.cid];
  };

  /**
   * A tab's end of a hub, one per sharing key: in the SharedWorker, or else (no SharedWorker, or
   * it failed) over BroadcastChannels to the tab holding the leader lock, maybe this one.
   */
  var routers = {};

  function Router(key, client) {
    this.key = key;
    this.clients = {};
    this.hosted = {};
    this.calls = {};
    this.callSeq = 0;
    this.releases = [];
    var self = this;
    this.releases.push(holdLock('herald tab ' + TAB_ID));
    var o = client._options;
    var workerUrl = new URL(o.workerUrl || client._base + '/herald-worker.js', global.location.href);
    if (o.sharedWorker && typeof SharedWorker === 'function' && workerUrl.origin === global.location.origin) {
      try {
        var worker = new SharedWorker(workerUrl.href, { name: key });
        worker.onerror = function () { self.viaLeader(); };
        this.port = worker.port;
        this.port.onmessage = function (e) { self.receive(e.data); };
        this.port.start();
        this.mode = 'worker';
      } catch (e) {
        this.port = null;
      }
    }
    if (!this.port) {
      this.viaLeader();
    }
    this.onHide = function () { self.bye(); };
    // A page restored from the back-forward cache registers again (it said bye when it was hidden).
    this.onShow = function (e) {
      if (e.persisted) {
        values(self.clients).forEach(function (c) { self.hello(c); });
      }
    };
    global.addEventListener('pagehide', this.onHide);
    global.addEventListener('pageshow', this.onShow);
  }

  /** Whether a client with these options can share here (a page with SharedWorker or Web Locks and BroadcastChannel). */
  Router.possible = function (o) {
    return !!(o.share && !o.getToken && global.document && global.location && locks() && typeof BroadcastChannel === 'function');
  };

  Router.of = function (client) {
    var o = client._options;
    var key = JSON.stringify(['herald', SHARE_VERSION, client._base, o.sharedWorker].concat(SHARED_OPTIONS.map(function (k) { return o[k]; })));
    var router = routers[key] || (routers[key] = new Router(key, client));
    router.clients[client._mid] = client;
    router.hello(client);
    return router;
  };

  /** Leaves the worker for a hub in the tab holding the leader lock (maybe this one). */
  Router.prototype.viaLeader = function () {
    var self = this;
    if (this.mode === 'leader') {
      return;
    }
    if (this.port) {
      this.port.onmessage = null;
      this.port.close();
    }
    this.mode = 'leader';
    this.port = new BroadcastChannel(this.key + ' up');
    this.down = new BroadcastChannel(this.key + ' down');
    this.down.onmessage = function (e) { self.receive(e.data); };
    this.releases.push(holdLock('herald leader ' + this.key, function () {
      var up = self.hubUp = new BroadcastChannel(self.key + ' up');
      var down = self.hubDown = new BroadcastChannel(self.key + ' down');
      var hub = self.hub = new Hub(function (msg) { down.postMessage(msg); });
      up.onmessage = function (e) { hub.receive(e.data, null); };
      down.postMessage({ t: 'hub' });
    }));
    this.rejectCalls();
    values(this.clients).forEach(function (c) { self.hello(c); });
  };

  Router.prototype.send = function (msg) {
    this.port.postMessage(msg);
  };

  /** Registers a client (again): hello, then each subscription from its current position. */
  Router.prototype.hello = function (client) {
    var self = this;
    var store = client._options.remember && storage();
    var options = {};
    SHARED_OPTIONS.forEach(function (k) { options[k] = client._options[k]; });
    this.send({ t: 'hello', m: client._mid, tab: TAB_ID, base: client._base, options: options,
      remembered: store ? store.getItem(client._storageKey) : null });
    client._subscriptions().forEach(function (sub) { self.sub(client, sub); });
  };

  Router.prototype.sub = function (client, sub) {
    this.send({ t: 'sub', m: client._mid, channel: sub.channel, since: sub.lastId });
  };

  Router.prototype.call = function (client, op, args) {
    var self = this;
    return new Promise(function (resolve, reject) {
      var rid = ++self.callSeq;
      self.calls[rid] = { resolve: resolve, reject: reject };
      self.send({ t: 'call', m: client._mid, rid: rid, op: op, args: args });
    });
  };

  Router.prototype.rejectCalls = function () {
    var calls = this.calls;
    this.calls = {};
    values(calls).forEach(function (c) {
      c.reject(heraldError({ code: 'disconnected', message: 'the shared connection changed before the reply' }, 0));
    });
  };

  Router.prototype.receive = function (msg) {
    var self = this;
    var clients = this.clients;
    if (msg.t === 'hub') {
      this.rejectCalls();
      return values(clients).forEach(function (c) { self.hello(c); });
    }
    if (msg.t === 'ret') {
      var c = clients[msg.m] && this.calls[msg.rid];
      if (c) {
        delete this.calls[msg.rid];
        if (msg.error) {
          c.reject(heraldError(msg.error, msg.error.status));
        } else {
          c.resolve(msg.value);
        }
      }
      return;
    }
    if (msg.t === 'run' || msg.t === 'radd' || msg.t === 'rrem' || msg.t === 'rstop') {
      return clients[msg.m] && this.remote(msg);
    }
    if (msg.m) {
      if (clients[msg.m]) {
        clients[msg.m]._fromHub(msg);
      }
    } else {
      values(clients).forEach(function (client) {
        if (!msg.channel || client._subs[msg.channel]) {
          client._fromHub(msg);
        }
      });
    }
  };

  Router.prototype.remote = function (msg) {
    var host = this.hosted[msg.cid];
    if (msg.t === 'run') {
      this.hosted[msg.cid] = new RemoteHost(this, msg);
    } else if (host && msg.t === 'radd') {
      host.add(msg.channel, msg.lastId);
    } else if (host && msg.t === 'rrem') {
      host.remove(msg.channel);
    } else if (host) {
      host.stop();
    }
  };

  /** A client leaves; the last one ends the router (and its leadership). */
  Router.prototype.remove = function (client) {
    if (this.clients[client._mid] !== client) {
      return;
    }
    delete this.clients[client._mid];
    this.send({ t: 'bye', m: client._mid });
    if (!Object.keys(this.clients).length) {
      this.end();
    }
  };

  Router.prototype.bye = function () {
    var self = this;
    Object.keys(this.clients).forEach(function (m) { self.send({ t: 'bye', m: m }); });
  };

  Router.prototype.end = function () {
    delete routers[this.key];
    global.removeEventListener('pagehide', this.onHide);
    global.removeEventListener('pageshow', this.onShow);
    values(this.hosted).forEach(function (h) { h.stop(); });
    this.releases.forEach(function (release) { release(); });
    if (this.hub) {
      // The hub leaves without a word to the other tabs (its "closed" is not theirs): the next leader announces itself.
      var engine = this.hub.engine;
      this.hub.engine = null;
      clearInterval(this.hub.pruner);
      if (engine) {
        engine.close();
      }
      this.hubUp.close();
      this.hubDown.close();
    }
    if (this.down) {
      this.down.close();
    }
    this.port.close();
  };

  /** The entry of herald-worker.js: this SharedWorker runs one hub for every tab that connects. */
  function serveSharedWorker(scope) {
    var hub = new Hub(function (msg, member, channel) {
      if (member) {
        return member.port.postMessage(msg);
      }
      var ports = [];
      values(hub.members).forEach(function (m) {
        if ((!channel || m.channels[channel]) && ports.indexOf(m.port) < 0) {
          ports.push(m.port);
        }
      });
      ports.forEach(function (port) { port.postMessage(msg); });
    });
    scope.onconnect = function (e) {
      var port = e.ports[0];
      port.onmessage = function (ev) { hub.receive(ev.data, port); };
      port.start();
    };
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * A Herald client: subscriptions to channels over the first transport that works, with
   * reconnection, resume without loss or duplicates, and fallback. One connection carries all its
   * subscriptions; with share on (the default) one connection serves every tab of the origin
   * (docs/architecture.md, "herald.js: one connection per browser").
   *
   * @param {string} [baseUrl] the server, e.g. "https://push.example.com"; empty for this page's origin
   * @param {object} [options] see herald.d.ts (HeraldOptions)
   */
  function Herald(baseUrl, options) {
    if (!(this instanceof Herald)) {
      throw new TypeError('use new Herald(baseUrl, options)');
    }
    var o = {};
    Object.keys(DEFAULTS).forEach(function (k) {
      o[k] = options && options[k] !== undefined ? options[k] : DEFAULTS[k];
    });
    o.transports.forEach(function (t) {
      if (!CONNECTIONS[t]) {
        throw new TypeError('transport ' + JSON.stringify(t) + ' (expected one of: ' + TRANSPORTS.join(', ') + ')');
      }
    });
    if (!o.transports.length) {
      throw new TypeError('transports is empty (expected at least one of: ' + TRANSPORTS.join(', ') + ')');
    }
    this._options = o;
    var url = new URL(baseUrl || '/', global.location ? global.location.href : undefined);
    this._base = (url.origin + url.pathname).replace(/\/+$/, '');
    this._storageKey = 'herald.transport ' + this._base;
    this._subs = {};
    this._conn = null;
    this._timer = null;
    this._ticker = null;
    this._attempt = 0;
    this._failures = 0;
    this._proven = {};
    this._state = null;
    this._closed = false;
    /** The connection token from getToken, until the server says it expired. */
    this._token = null;
    var remembered = o.remember && storage() ? storage().getItem(this._storageKey) : null;
    this._index = Math.max(0, o.transports.indexOf(remembered));
    /** Sharing: this client's id as a member of the hub, and the tab's router to it once used. */
    this._mid = TAB_ID + '.' + (++memberSeq);
    this._shared = Router.possible(o);
    this._router = null;
    this._hubTransport = null;
    this._hub = null;
  }

  /** Every transport name, in the default order. */
  Herald.TRANSPORTS = TRANSPORTS.slice();

  /**
   * Subscribes to a channel. Connects (asynchronously) if not connected yet.
   *
   * @param {string} channel the channel name
   * @param {object} [handlers] onPublication(publication), onReset({channel, id}),
   *   onStateChange(event), onError(error), onJoin({channel, client, user}),
   *   onLeave({channel, client, user}) (join and leave: on WebSocket, in namespaces with
   *   join-leave): all optional
   * @param {{since?: string}} [options] since: the id to resume after (publications after it are
   *   delivered first); without it, only publications from now on
   * @returns {Subscription}
   * @throws {TypeError} for an invalid channel name; {Error} when already subscribed or closed
   */
  Herald.prototype.subscribe = function (channel, handlers, options) {
    check('channel', channel, CHANNEL);
    if (this._closed) {
      throw new Error('this Herald client is closed');
    }
    if (this._subs[channel]) {
      throw new Error('channel ' + JSON.stringify(channel) + ' is already subscribed on this client');
    }
    var sub = new Subscription(this, channel, handlers, options && options.since);
    this._subs[channel] = sub;
    var self = this;
    if (this._shared) {
      if (this._router) {
        this._router.sub(this, sub);
      } else {
        this._link(); // registers this client with its subscriptions
      }
    } else if (this._conn) {
      this._conn.add(sub);
    } else if (!this._timer) {
      this._timer = setTimeout(function () { self._connect(); }, 0);
    }
    var state = this._state;
    if (state) {
      Promise.resolve().then(function () {
        if (!sub._gotState && !sub._closed) {
          sub._gotState = true;
          call(sub._handlers.onStateChange, state);
        }
      });
    }
    return sub;
  };

  /**
   * Publishes to a channel: over the socket when the client is on WebSocket, else with POST /pub.
   * A string is published as text, an ArrayBuffer, typed array or Blob as binary, anything else as JSON.
   *
   * @param {string} channel
   * @param {*} data
   * @param {{event?: string}} [options] the event type, "message" when absent
   * @returns {Promise<{channel: string, id: string, offset: number}>} rejects with an Error having
   *   the server's `code` (e.g. "publish_forbidden") and HTTP `status`
   * @throws {TypeError} for an invalid channel or event name
   */
  Herald.prototype.publish = function (channel, data, options) {
    check('channel', channel, CHANNEL);
    var event = options && options.event;
    if (event != null) {
      check('event', event, EVENT);
    }
    if (this._shared && !this._closed) {
      return this._link().call(this, 'publish', [channel, data, options && { event: event }]);
    }
    var conn = this._conn;
    var blob = typeof Blob !== 'undefined' && data instanceof Blob;
    if (conn && conn.name === 'websocket' && conn.opened && conn.isOpen() && !blob) {
      return conn.publish(channel, data, event);
    }
    var type = 'application/json';
    var body = data;
    if (typeof data === 'string') {
      type = 'text/plain; charset=utf-8';
    } else if (isBinary(data) || blob) {
      type = 'application/octet-stream';
    } else {
      body = JSON.stringify(data);
    }
    var url = this._base + '/pub/' + encodeURIComponent(channel) + query({ event: event });
    var self = this;
    return (this._options.getToken ? this._connectionToken() : Promise.resolve(null)).then(function (token) {
      var headers = { 'Content-Type': type };
      if (token) {
        headers.Authorization = 'Bearer ' + token;
      }
      return fetch(url, { method: 'POST', headers: headers, body: body });
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) {
          throw heraldError(j.error, r.status);
        }
        return j;
      });
    });
  };

  /**
   * Who is subscribed to a channel, across the server's nodes (docs/protocol.md, "Presence"): over
   * the socket when the client is on WebSocket, else with GET /presence/{channel}. The channel's
   * namespace must keep presence, and the client may need the right to read its history.
   *
   * @param {string} channel
   * @param {{count?: boolean}} [options] count: only the counts
   * @returns {Promise<object>} {channel, clients: [{client, user?}, ...]}, or with count
   *   {channel, clients: N, users: M}; rejects with an Error having the server's `code` (e.g.
   *   "presence_disabled", "forbidden") and HTTP `status`
   * @throws {TypeError} for an invalid channel name
   */
  Herald.prototype.presence = function (channel, options) {
    check('channel', channel, CHANNEL);
    var count = !!(options && options.count);
    if (this._shared && !this._closed) {
      return this._link().call(this, 'presence', [channel, { count: count }]);
    }
    var conn = this._conn;
    if (conn && conn.name === 'websocket' && conn.opened && conn.isOpen()) {
      return conn.presence(channel, count);
    }
    var url = this._base + '/presence/' + encodeURIComponent(channel) + (count ? '?count=true' : '');
    var timeout = this._options.timeout;
    return (this._options.getToken ? this._connectionToken() : Promise.resolve(null)).then(function (token) {
      return new Promise(function (resolve, reject) {
        getJson(url, timeout, function (err, status, body) {
          if (err) {
            reject(err);
          } else if (status !== 200) {
            reject(heraldError(body && body.error, status));
          } else {
            resolve(body);
          }
        }, token);
      });
    });
  };

  /** Closes every connection and ends every subscription; state "closed". Idempotent. */
  Herald.prototype.close = function () {
    if (this._closed) {
      return;
    }
    this._shutdown({ reason: 'closed by the page' });
  };

  /** The current state: null before the first connection, then "connecting", "open", ... */
  Object.defineProperty(Herald.prototype, 'state', { get: function () { return this._state && this._state.state; } });

  /** The transport of the open connection, or null. */
  Object.defineProperty(Herald.prototype, 'transport', {
    get: function () {
      if (this._shared) {
        return this._state && this._state.state === 'open' ? this._hubTransport : null;
      }
      return this._conn && this._conn.opened ? this._conn.name : null;
    }
  });

  /** The entry point of herald-worker.js (the SharedWorker of a shared connection); not an API. */
  Herald._serveSharedWorker = serveSharedWorker;

  Herald.prototype._subscriptions = function () {
    var subs = this._subs;
    return Object.keys(subs).map(function (k) { return subs[k]; });
  };

  Herald.prototype._emit = function (event) {
    this._state = event;
    call(this._options.onStateChange, event);
    this._subscriptions().forEach(function (sub) {
      sub._gotState = true;
      call(sub._handlers.onStateChange, event);
    });
  };

  Herald.prototype._connect = function () {
    this._timer = null;
    if (this._closed || this._conn || !Object.keys(this._subs).length) {
      return;
    }
    var name = this._options.transports[this._index];
    this._emit({ state: 'connecting', transport: name });
    var hub = this._hub;
    var conn = this._conn = hub && name === 'iframe' && !global.document ? new RemoteConnection(this, name, hub)
      : CONNECTIONS[name](this);
    var self = this;
    if (!this._ticker) {
      this._ticker = setInterval(function () { self._tick(); }, TICK);
    }
    conn.start();
  };

  Herald.prototype._tick = function () {
    var conn = this._conn;
    var why = conn && conn.check(now(), this._options);
    if (why) {
      conn.fail(why);
    }
  };

  Herald.prototype._opened = function (conn) {
    if (conn !== this._conn) {
      return;
    }
    conn.opened = true;
    this._attempt = 0;
    this._failures = 0;
    this._proven[conn.name] = true;
    var store = this._options.remember && storage();
    if (store) {
      try {
        store.setItem(this._storageKey, conn.name);
      } catch (e) {
        // full or blocked: not remembered
      }
    }
    this._emit({ state: 'open', transport: conn.name });
  };

  /**
   * A connection failed. One that never opened moves on to the next transport (a transport that
   * worked before gets a few retries first); one that was open reconnects after a backoff.
   */
  Herald.prototype._failed = function (conn, reason, advice) {
    if (conn !== this._conn) {
      return;
    }
    conn.stop();
    this._conn = null;
    var expired = !!advice && advice.code === 4004;
    if (expired) {
      this._token = null; // getToken again before reconnecting; the subscriptions resume from their last id
    }
    if (advice && advice.reconnect === false) {
      if (advice.code === 4401 || advice.code === 4403) {
        var error = heraldError({ code: advice.code === 4401 ? 'unauthorized' : 'forbidden', message: advice.reason }, 0);
        this._subscriptions().forEach(function (sub) { call(sub._handlers.onError, error); });
      }
      return this._shutdown({ code: advice.code, reason: advice.reason });
    }
    var self = this;
    var transports = this._options.transports;
    if (!conn.opened && !expired && transports.length > 1 && (!this._proven[conn.name] || ++this._failures > PROVEN_RETRIES)) {
      this._failures = 0;
      this._index = (this._index + 1) % transports.length;
      this._emit({ state: 'fallback', from: conn.name, to: transports[this._index], reason: reason });
      if (this._index !== 0) {
        this._timer = setTimeout(function () { self._connect(); }, 0);
        return;
      }
    }
    var max = this._options.maxReconnectDelay;
    var exp = Math.min(max, this._options.minReconnectDelay * Math.pow(2, this._attempt++));
    var delay = Math.round(exp / 2 + Math.random() * exp / 2);
    this._emit({ state: 'reconnecting', transport: transports[this._index], delay: delay, reason: reason,
      code: advice && advice.code });
    this._timer = setTimeout(function () { self._connect(); }, delay);
  };

  /**
   * Runs fn(token) for owner (a connection or a leg) once its token is known: at once with null
   * without getToken (no token, as before); else with the connection token (channel null) or a fresh
   * ticket for channel. Nothing runs once owner has stopped; a failing getToken fails owner.
   */
  Herald.prototype._withToken = function (channel, owner, fn) {
    if (!this._options.getToken) {
      return fn(null);
    }
    (channel == null ? this._connectionToken() : this._fetchToken(channel)).then(function (token) {
      if (!owner.stopped) {
        fn(token);
      }
    }, function (e) {
      if (!owner.stopped) {
        owner.fail('getToken failed: ' + (e && e.message ? e.message : e));
      }
    });
  };

  /** The cached connection token, or a new one from getToken. */
  Herald.prototype._connectionToken = function () {
    var self = this;
    if (this._token) {
      return Promise.resolve(this._token);
    }
    return this._fetchToken(null).then(function (token) {
      self._token = token;
      return token;
    });
  };

  /** Calls getToken({channel, ticket}): a connection token when channel is null, else a ticket for channel. */
  Herald.prototype._fetchToken = function (channel) {
    var getToken = this._options.getToken;
    return Promise.resolve().then(function () {
      return getToken({ channel: channel, ticket: channel != null });
    }).then(function (token) {
      if (typeof token !== 'string' || !token) {
        throw new TypeError('getToken returned ' + JSON.stringify(token) + ' (expected: a non-empty string)');
      }
      return token;
    });
  };

  Herald.prototype._shutdown = function (event) {
    this._closed = true;
    clearTimeout(this._timer);
    clearInterval(this._ticker);
    if (this._conn) {
      this._conn.stop();
      this._conn = null;
    }
    if (this._router) {
      this._router.remove(this);
    }
    event.state = 'closed';
    this._emit(event);
    this._subscriptions().forEach(function (sub) { sub._closed = true; });
    this._subs = {};
  };

  Herald.prototype._unsubscribe = function (sub) {
    if (sub._closed) {
      return;
    }
    sub._closed = true;
    delete this._subs[sub.channel];
    if (this._router) {
      this._router.send({ t: 'unsub', m: this._mid, channel: sub.channel });
    } else if (this._conn) {
      this._conn.remove(sub);
    }
  };

  /** The tab's router to the shared connection, joined on first use. */
  Herald.prototype._link = function () {
    return this._router || (this._router = Router.of(this));
  };

  /**
   * A message of the hub for this client: state events, its subscriptions' publications, resets
   * and positions (filtered by this client's own positions, as from a connection of its own).
   */
  Herald.prototype._fromHub = function (msg) {
    if (this._closed) {
      return;
    }
    if (msg.t === 'state') {
      this._hubTransport = msg.transport;
      var event = {};
      Object.keys(msg.event).forEach(function (k) { event[k] = msg.event[k]; });
      if (event.state === 'closed') {
        return this._shutdown(event);
      }
      var store = event.state === 'open' && this._options.remember && storage();
      if (store) {
        try {
          store.setItem(this._storageKey, event.transport);
        } catch (e) {
          // full or blocked: not remembered
        }
      }
      return this._emit(event);
    }
    var sub = this._subs[msg.channel];
    if (!this._live(sub)) {
      return;
    }
    if (sub._pending && msg.t !== 'error') {
      return sub._pending.push(msg);
    }
    switch (msg.t) {
      case 'subbed':
        if (!msg.fresh && sub.lastId != null) {
          return this._catchUp(sub, sub.lastId);
        }
        return msg.pos && this._position(sub, msg.pos);
      case 'pub': return this._publication(msg.p);
      case 'reset': return this._reset(sub, msg.id);
      case 'pos': return this._position(sub, msg.id);
      case 'adv': return this._advance(sub, msg.id);
      case 'presence': return this._presenceEvent(msg.e, msg.join);
      case 'error': return this._subscriptionFailed(sub, heraldError(msg.error, msg.error.status));
    }
  };

  /**
   * A subscription with a position joined a channel the shared connection already carries from a
   * later one: it reads what it missed with GET /poll/{channel}?since= (pages of 1000, a reset when
   * the position cannot be served, docs/protocol.md "Resume rule"), holding the hub's messages for
   * it meanwhile, then goes on with them (its own position drops what it already has).
   */
  Herald.prototype._catchUp = function (sub, since) {
    var self = this;
    sub._pending = sub._pending || [];
    var url = this._base + '/poll/' + encodeURIComponent(sub.channel) + query({ since: since, limit: 1000 });
    getJson(url, this._options.timeout, function (err, status, body) {
      if (!self._live(sub)) {
        return;
      }
      if (!err && status === 200 && body) {
        if (body.reset) {
          var first = body.messages[0];
          self._reset(sub, first ? first.epoch + '-' + (first.offset - 1) : body.next);
        }
        body.messages.forEach(function (p) { self._publication(p); });
        self._advance(sub, body.next);
        if (body.messages.length >= 1000) {
          return self._catchUp(sub, sub.lastId);
        }
      } else if (!err && status >= 400 && status < 500 && body && body.error) {
        return self._subscriptionFailed(sub, heraldError(body.error, status));
      } else {
        call(sub._handlers.onError, heraldError({ code: 'catch_up_failed', message: 'could not read what was missed: ' +
          (err ? err.message : 'HTTP ' + status) }, status || 0));
      }
      var pending = sub._pending;
      sub._pending = null;
      pending.forEach(function (m) { self._fromHub(m); });
    });
  };

  Herald.prototype._subscriptionFailed = function (sub, error) {
    if (!sub._closed) {
      this._unsubscribe(sub);
      call(sub._handlers.onError, error);
    }
  };

  Herald.prototype._live = function (sub) {
    return sub && !sub._closed && this._subs[sub.channel] === sub;
  };

  /** A publication: delivered unless it is at or before the last offset seen in its epoch. */
  Herald.prototype._publication = function (p) {
    var sub = this._subs[p.channel];
    if (!this._live(sub) || (p.epoch === sub._epoch && p.offset <= sub._offset)) {
      return;
    }
    sub._epoch = p.epoch;
    sub._offset = p.offset;
    sub.lastId = p.id;
    if (p.data_b64 !== undefined && p.data === undefined) {
      p.data = fromBase64(p.data_b64);
    }
    call(sub._handlers.onPublication, p);
  };

  /** A join or leave event (WebSocket only): to the subscription's onJoin or onLeave, with {channel, client, user?}. */
  Herald.prototype._presenceEvent = function (e, join) {
    var sub = this._subs[e.channel];
    if (this._live(sub)) {
      call(join ? sub._handlers.onJoin : sub._handlers.onLeave, e);
    }
  };

  /** The server could not resume: history is lost up to id. */
  Herald.prototype._reset = function (sub, id) {
    if (this._live(sub)) {
      moveTo(sub, id, true);
      call(sub._handlers.onReset, { channel: sub.channel, id: id });
    }
  };

  /** The position a subscription without since starts at. */
  Herald.prototype._position = function (sub, id) {
    if (this._live(sub) && sub.lastId == null) {
      moveTo(sub, id, false);
      call(sub._handlers._onPosition, id);
    }
  };

  /** A polling page's next position. */
  Herald.prototype._advance = function (sub, id) {
    if (this._live(sub)) {
      moveTo(sub, id, false);
      call(sub._handlers._onAdvance, id);
    }
  };

  global.Herald = Herald;
})(typeof globalThis !== 'undefined' ? globalThis : window);
