'use strict';
// The reference SockJS server for scripts/bench-compat.sh: the `sockjs` package (sockjs-node) at
// /sockjs, speaking the same mapping as Herald's /sockjs (docs/protocol.md, "SockJS"): a session
// sends the WebSocket protocol's {"id":N,"op":"subscribe","channel":"C"} as a SockJS message and
// gets the reply {"id":N,"ok":true,"channel":"C"}, then each publication of C as one SockJS message
// holding its envelope. POST /pub/{channel} publishes (common.js). Usage: node sockjs-server.js [PORT]

const sockjs = require('sockjs');
const {listen, port, HEARTBEAT_MS} = require('./common');

const channels = new Map(); // channel -> Set of connections

const service = sockjs.createServer({
  prefix: '/sockjs',
  heartbeat_delay: HEARTBEAT_MS,
  disconnect_delay: 5000,
  log: () => {},
});

service.on('connection', (conn) => {
  const mine = new Set();
  conn.on('data', (message) => {
    let cmd;
    try {
      cmd = JSON.parse(message);
    } catch (e) {
      conn.write(JSON.stringify({id: null, error: {code: 'invalid_command', message: 'not JSON'}}));
      return;
    }
    if (cmd.op === 'subscribe' && typeof cmd.channel === 'string') {
      let set = channels.get(cmd.channel);
      if (!set) channels.set(cmd.channel, (set = new Set()));
      set.add(conn);
      mine.add(cmd.channel);
      conn.write(JSON.stringify({id: cmd.id, ok: true, channel: cmd.channel}));
    } else {
      conn.write(JSON.stringify({id: cmd.id, error: {code: 'invalid_command', message: 'subscribe only'}}));
    }
  });
  conn.on('close', () => {
    for (const c of mine) {
      const set = channels.get(c);
      set.delete(conn);
      if (set.size === 0) channels.delete(c);
    }
  });
});

listen(port(18085), (server) => service.installHandlers(server), (channel, env) => {
  const set = channels.get(channel);
  if (!set) return;
  const text = JSON.stringify(env);
  for (const conn of set) conn.write(text);
});
