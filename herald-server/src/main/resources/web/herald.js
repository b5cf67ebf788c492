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
    getToken: null
  };

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
    this.lastId = since || null;
    this._handlers = handlers || {};
    this._epoch = null;
    this._offset = null;
    this._closed = false;
    this._gotState = false;
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
   * The HTTP transports: one leg (request or stream) per subscribed channel. The connection is open
   * when every leg has shown a sign of life; a leg that fails fails the whole connection.
   */
  function HttpConnection(client, name, Leg) {
    Connection.call(this, client, name);
    this.Leg = Leg;
    this.legs = {};
  }
  HttpConnection.prototype = Object.create(Connection.prototype);

  HttpConnection.prototype.start = function () {
    var self = this;
    this.client._withToken(null, this, function (token) {
      self.token = token;
      self.ready = true;
      self.client._subscriptions().forEach(function (sub) { self.add(sub); });
    });
  };

  HttpConnection.prototype.add = function (sub) {
    if (!this.stopped && this.ready) {
      var leg = new this.Leg(this, sub);
      this.legs[sub.channel] = leg;
      leg.start();
    }
  };

  HttpConnection.prototype.remove = function (sub) {
    var leg = this.legs[sub.channel];
    if (leg) {
      delete this.legs[sub.channel];
      leg.stop();
      this.legAlive(null);
    }
  };

  HttpConnection.prototype.each = function (fn) {
    var legs = this.legs;
    Object.keys(legs).forEach(function (k) { fn(legs[k]); });
  };

  HttpConnection.prototype.legAlive = function (leg) {
    if (leg) {
      leg.opened = true;
      leg.lastActivity = now();
    }
    var all = Object.keys(this.legs).length > 0;
    this.each(function (l) { all = all && l.opened; });
    if (all || this.opened) {
      this.alive();
    }
  };

  HttpConnection.prototype.check = function (t, options) {
    var why = null;
    this.each(function (leg) {
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
    this.each(function (leg) { leg.stop(); });
  };

  /** The common part of the legs; a subclass defines open() and may define tick() and close(). */
  function Leg(conn, sub) {
    this.conn = conn;
    this.client = conn.client;
    this.sub = sub;
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

  Leg.prototype.url = function (path, params) {
    return this.client._base + path + encodeURIComponent(this.sub.channel) + query(params);
  };

  /** Starts the stream after learning the channel's current position, so a reconnect resumes from it. */
  Leg.prototype.start = function () {
    var self = this;
    if (this.sub.lastId != null) {
      return this.open();
    }
    this.request = getJson(this.url('/poll/', { limit: 0 }), this.client._options.timeout, function (err, status, body) {
      if (self.answered(err, status, body)) {
        self.client._position(self.sub, body.next);
        self.open();
      }
    }, this.conn.token);
  };

  /** Handles a JSON answer's failure cases; true when it is a 200 to go on with. */
  Leg.prototype.answered = function (err, status, body) {
    if (this.stopped) {
      return false;
    }
    if (err) {
      this.fail(err.message);
    } else if (status === 400 && body && body.error) {
      this.client._subscriptionFailed(this.sub, heraldError(body.error, status));
    } else if (status === 401 && body && body.error && body.error.code === 'token_expired') {
      // As the streams' goodbye 4004: a new token, then resume from the last id.
      this.advice = { code: 4004, reason: 'token expired', reconnect: true };
      this.fail('token expired');
    } else if (status === 401 && body && body.error) {
      this.advice = { code: 4401, reason: body.error.message, reconnect: false };
      this.fail('unauthorized');
    } else if (status === 403 && body && body.error) {
      this.client._subscriptionFailed(this.sub, heraldError(body.error, status));
    } else if (status !== 200 || !body) {
      this.fail('HTTP ' + status);
    } else {
      return true;
    }
    return false;
  };

  /** A message of the streaming formats: an envelope, a reset notice or the goodbye. */
  Leg.prototype.message = function (m) {
    if (m.disconnect) {
      this.advice = m.disconnect;
    } else if (m.reset) {
      this.client._reset(this.sub, m.id);
    } else {
      this.client._publication(m);
    }
  };

  /**
   * A page of the polling formats: {messages, next, reset}. A reset page's messages follow the reset:
   * it resets to the position before the first of them (a replaced stream's start, EPOCH-0), else to next.
   */
  Leg.prototype.page = function (body) {
    if (body.reset) {
      var first = body.messages[0];
      this.client._reset(this.sub, first ? first.epoch + '-' + (first.offset - 1) : body.next);
    }
    for (var i = 0; i < body.messages.length && !this.stopped; i++) {
      this.client._publication(body.messages[i]);
    }
    if (!this.stopped) {
      this.client._advance(this.sub, body.next);
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

  function legType(open, proto) {
    function L(conn, sub) {
      Leg.call(this, conn, sub);
    }
    L.prototype = Object.create(Leg.prototype);
    L.prototype.open = open;
    Object.keys(proto || {}).forEach(function (k) { L.prototype[k] = proto[k]; });
    return L;
  }

  /** Server-Sent Events with the envelope format and heartbeat events, which EventSource can see. */
  var SseLeg = legType(function () {
    var self = this;
    this.client._withToken(this.sub.channel, this, function (ticket) { self.stream(ticket); });
  }, {
    stream: function (ticket) {
      var self = this;
      var es = this.es = new EventSource(this.url('/sse/', { format: 'envelope', heartbeat: 'event', since: this.sub.lastId,
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
  });

  /** XHR streaming: newline-delimited envelopes read as they arrive. */
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
    xhr.open('GET', this.url('/stream/', { since: this.sub.lastId }));
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
    this.client._withToken(this.sub.channel, this, function (ticket) { self.frameWith(ticket); });
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
      frame.src = this.url('/iframe/', { callback: name, since: this.sub.lastId, token: ticket });
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
  });

  /**
   * Long polling: a quick poll first (it confirms the path, learns the position or catches up),
   * then held requests.
   */
  var LongPollLeg = legType(function () {
    this.watched = false; // each request has its own timeout
    var since = this.sub.lastId;
    this.poll('/poll/', { since: since, limit: since == null ? 0 : 1000 }, this.client._options.timeout);
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
            self.poll('/longpoll/', { since: self.sub.lastId, timeout: seconds }, seconds * 1000 + self.client._options.timeout);
          }
        }
      }, this.conn.token);
    }
  });

  /**
   * Short polling: GET /poll every pollInterval, at once again while pages come back full. Without a
   * position yet, the first poll asks for none (limit 0) and learns it.
   */
  var ShortPollLeg = legType(function () {
    var self = this;
    this.watched = false;
    var limit = this.sub.lastId == null ? 0 : POLL_LIMIT;
    this.request = getJson(this.url('/poll/', { since: this.sub.lastId, limit: limit }), this.client._options.timeout,
      function (err, status, body) {
        if (self.answered(err, status, body)) {
          self.alive();
          self.page(body);
          if (!self.stopped) {
            self.timer = setTimeout(function () { self.open(); },
              limit > 0 && body.messages.length >= limit ? 0 : self.client._options.pollInterval);
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

  /**
   * A Herald client: subscriptions to channels over the first transport that works, with
   * reconnection, resume without loss or duplicates, and fallback.
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
    if (this._conn) {
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
    get: function () { return this._conn && this._conn.opened ? this._conn.name : null; }
  });

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
    var conn = this._conn = CONNECTIONS[name](this);
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
    if (this._conn) {
      this._conn.remove(sub);
    }
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
    if (p.data_b64 !== undefined) {
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
      sub.lastId = id;
      sub._epoch = null;
      sub._offset = null;
      call(sub._handlers.onReset, { channel: sub.channel, id: id });
    }
  };

  /** The position a subscription without since starts at. */
  Herald.prototype._position = function (sub, id) {
    if (this._live(sub) && sub.lastId == null) {
      sub.lastId = id;
    }
  };

  /** A polling page's next position. */
  Herald.prototype._advance = function (sub, id) {
    if (this._live(sub)) {
      sub.lastId = id;
    }
  };

  global.Herald = Herald;
})(typeof globalThis !== 'undefined' ? globalThis : window);
