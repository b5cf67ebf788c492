// A sockjs-client subscriber for herald-server's tests (io.herald.server.sockjs.SockJsNodeClientTest):
//   node sockjs-subscriber.js URL TRANSPORT CHANNEL SINCE|- COUNT
// connects to URL (Herald's /sockjs) with only TRANSPORT allowed, subscribes to CHANNEL (from SINCE
// unless "-"), and prints one line per event: "open TRANSPORT", each message from Herald as is, then
// "done" once COUNT publications came, and exits 0; "closed CODE REASON" if the session ended first (exit 1).
const SockJS = require('sockjs-client');
const [url, transport, channel, since, count] = process.argv.slice(2);
const want = Number(count);
const sock = new SockJS(url, null, {transports: [transport]});
let got = 0;
const timer = setTimeout(() => { console.log('timeout'); process.exit(2); }, 30000);
sock.onopen = () => {
  console.log('open ' + sock.transport);
  const subscribe = {id: 1, op: 'subscribe', channel};
  if (since !== '-') subscribe.since = since;
  sock.send(JSON.stringify(subscribe));
};
sock.onmessage = (e) => {
  console.log(e.data);
  const m = JSON.parse(e.data);
  if (m.offset !== undefined && m.ok === undefined && ++got === want) {
    console.log('done');
    clearTimeout(timer);
    sock.close();
    process.exit(0);
  }
};
sock.onclose = (e) => {
  console.log('closed ' + e.code + ' ' + e.reason);
  process.exit(got === want ? 0 : 1);
};
