// A socket.io-client driven by herald-server's tests (io.herald.server.socketio.NodeSocketIoClient):
// node socketio-client.mjs URL [AUTH_JSON] [TRANSPORTS]
// Commands on stdin, one a line: "subscribe CH [SINCE]", "unsubscribe CH", "publish CH JSON",
// "publish-binary CH" (data a Buffer: a BINARY_EVENT), "exit".
// Every event and ack is one JSON line on stdout: {"type":"connect","recovered":..}, {"type":"publication",
// "envelope":{..}}, {"type":"ack","event":..,"reply":..}, {"type":"disconnect","reason":..}, ...
import { io } from "socket.io-client";
import { createInterface } from "node:readline";

const [url, authJson, transports] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const socket = io(url, {
  auth: authJson ? JSON.parse(authJson) : {},
  transports: transports ? transports.split(",") : ["polling", "websocket"],
  reconnectionDelay: 200,
  reconnectionDelayMax: 500,
});
socket.on("connect", () => out({ type: "connect", recovered: socket.recovered, transport: socket.io.engine.transport.name }));
socket.io.on("open", () => socket.io.engine.on("upgrade", (t) => out({ type: "upgrade", transport: t.name })));
socket.on("connect_error", (e) => out({ type: "connect_error", message: e.message, data: e.data ?? null }));
socket.on("disconnect", (reason) => out({ type: "disconnect", reason }));
for (const name of ["publication", "subscribed", "unsubscribed", "goodbye", "error"]) {
  socket.on(name, (payload, offset) => out({ type: name, payload, offset }));
}
const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const [cmd, channel, ...rest] = line.trim().split(" ");
  const ack = (event) => (reply) => out({ type: "ack", event, reply });
  if (cmd === "subscribe") {
    socket.emit("subscribe", rest[0] ? { channel, since: rest[0] } : { channel }, ack("subscribe"));
  } else if (cmd === "unsubscribe") {
    socket.emit("unsubscribe", { channel }, ack("unsubscribe"));
  } else if (cmd === "publish") {
    socket.emit("publish", { channel, data: JSON.parse(rest.join(" ")) }, ack("publish"));
  } else if (cmd === "publish-binary") {
    socket.emit("publish", { channel, data: Buffer.from([1, 2, 3]) }, ack("publish-binary"));
  } else if (cmd === "exit") {
    socket.close();
    out({ type: "closed" });
    process.exit(0);
  }
});
rl.on("close", () => process.exit(0));
