'use strict';
// What the two reference servers share (docs/benchmarks.md, "SockJS and Socket.IO beside the
// reference Node servers"): Herald's envelope for a publication and Herald's publish endpoint,
// POST /pub/{channel} with the payload as the body, answered {"channel":..,"id":..,"offset":..}
// once it is handed to the library's broadcast (docs/protocol.md, "Publishing", "Envelope").

const http = require('http');
const crypto = require('crypto');

const CHANNEL = /^[A-Za-z0-9_.:@-]{1,128}$/;
// An epoch as Herald has one per stream: offsets restart from 1 with a new process.
const epoch = crypto.randomBytes(4).toString('hex');
const offsets = new Map(); // channel -> last offset

/** Herald's envelope of a text publication (one line of JSON, the same fields in the same order). */
function envelope(channel, text) {
  const offset = (offsets.get(channel) || 0) + 1;
  offsets.set(channel, offset);
  return {channel, id: `${epoch}-${offset}`, offset, epoch, event: 'message', data: text, time: Date.now()};
}

/**
 * An HTTP server on 127.0.0.1:port whose POST /pub/{channel} calls broadcast(channel, envelope)
 * and answers 200; attach(server) installs the library's handlers; anything else is 404.
 */
function listen(port, attach, broadcast) {
  // The publish handler first: the library's attach wraps the request listeners it finds and
  // passes them the requests outside its prefix.
  const server = http.createServer((req, res) => {
    const m = /^\/pub\/([^/?]+)/.exec(req.url);
    if (!m || req.method !== 'POST' || !CHANNEL.test(m[1])) {
      res.writeHead(m ? 400 : 404).end();
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const env = envelope(m[1], Buffer.concat(chunks).toString('utf8'));
      broadcast(m[1], env);
      res.writeHead(200, {'Content-Type': 'application/json'});
      res.end(JSON.stringify({channel: env.channel, id: env.id, offset: env.offset}));
    });
  });
  attach(server);
  server.listen(port, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${port}`));
  return server;
}

/** The port from argv[2] or PORT, else the default. */
function port(def) {
  return Number(process.argv[2] || process.env.PORT || def);
}

// Herald's defaults (docs/protocol.md, "Heartbeats and timeouts", "Socket.IO"): 15 s heartbeat,
// Engine.IO ping timeout 20 s.
const HEARTBEAT_MS = 15000;
const PING_TIMEOUT_MS = 20000;

module.exports = {listen, port, HEARTBEAT_MS, PING_TIMEOUT_MS};
