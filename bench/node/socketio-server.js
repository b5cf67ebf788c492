'use strict';
// The reference Socket.IO server for scripts/bench-compat.sh: the `socket.io` package at
// /socket.io/, speaking the same mapping as Herald's (docs/protocol.md, "Socket.IO"): a socket emits
// `subscribe` with {channel} and an ack, joins the channel's room and is acknowledged
// {"ok":true,"channel":C}; each publication is io.to(channel).emit('publication', envelope).
// POST /pub/{channel} publishes (common.js). Usage: node socketio-server.js [PORT]
// SOCKETIO_RECOVERY=1 turns on the library's connection state recovery (Herald's sockets always
// carry a recovery offset; plain socket.io does not).

const {Server} = require('socket.io');
const {listen, port, HEARTBEAT_MS, PING_TIMEOUT_MS} = require('./common');

let io;
listen(port(18086), (server) => {
  io = new Server(server, {
    pingInterval: HEARTBEAT_MS,
    pingTimeout: PING_TIMEOUT_MS,
    maxHttpBufferSize: 65536, // Herald's limits.max-payload
    serveClient: false,
    connectionStateRecovery: process.env.SOCKETIO_RECOVERY === '1' ? {} : undefined,
  });
  io.on('connection', (socket) => {
    socket.on('subscribe', (msg, ack) => {
      const channel = msg && msg.channel;
      if (typeof channel !== 'string') {
        if (typeof ack === 'function') ack({error: {code: 'invalid_command', message: 'channel expected'}});
        return;
      }
      socket.join(channel);
      if (typeof ack === 'function') ack({ok: true, channel});
    });
  });
}, (channel, env) => io.to(channel).emit('publication', env));
