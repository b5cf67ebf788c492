#!/usr/bin/env python3
"""One SSE subscriber and a paced publisher against a running Pushpin (bench/pushpin/pushpin.conf),
without the load generator: prints how many publications arrived and their latency.

    python3 bench/pushpin/latency_probe.py http|zmq RATE SECONDS

`http` publishes through the control port (POST /publish/ on 127.0.0.1:18083, a new connection per
publication as Pushpin closes each); `zmq` through the handler's PULL socket (push_in_spec,
tcp://127.0.0.1:18090; needs python3-zmq). The subscriber connects to 127.0.0.1:18082/sse/{channel}
through the GRIP origin (bench/pushpin/grip_origin.py on 18084). Each event carries its send time.
"""
import json
import socket
import sys
import threading
import time
import urllib.request


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("http", "zmq"):
        sys.exit(__doc__)
    mode, rate, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    channel = "probe%d" % int(time.time())
    latencies = []

    sub = socket.create_connection(("127.0.0.1", 18082))
    sub.sendall(b"GET /sse/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
                % channel.encode())

    def read():
        buf = b""
        while True:
            data = sub.recv(65536)
            if not data:
                return
            buf += data
            while b"\n\n" in buf:
                event, buf = buf.split(b"\n\n", 1)
                for line in event.split(b"\n"):
                    if line.startswith(b"data: "):
                        latencies.append(time.time() - float(line[6:]))

    threading.Thread(target=read, daemon=True).start()
    time.sleep(1.5)  # the subscription is in place

    push = None
    if mode == "zmq":
        import zmq  # Debian: python3-zmq
        push = zmq.Context().socket(zmq.PUSH)
        push.connect("tcp://127.0.0.1:18090")
        time.sleep(0.3)

    count = int(rate * seconds)
    start = time.time()
    for i in range(count):
        while time.time() < start + i / rate:
            time.sleep(0.0005)
        item = {"channel": channel, "formats": {"http-stream": {"content": "data: %.6f\n\n" % time.time()}}}
        if push is not None:
            push.send(b"J" + json.dumps(item).encode())
        else:
            request = urllib.request.Request("http://127.0.0.1:18083/publish/",
                                             data=json.dumps({"items": [item]}).encode(),
                                             headers={"Content-Type": "application/json"})
            urllib.request.urlopen(request).read()
    time.sleep(4)  # drain

    latencies.sort()
    if not latencies:
        print("%s %g/s: no deliveries of %d" % (mode, rate, count))
        return
    at = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
    print("%s %g/s: %d of %d delivered, p50 %.1f ms, p99 %.1f ms, max %.1f ms"
          % (mode, rate, len(latencies), count, at(0.5), at(0.99), latencies[-1] * 1000))


if __name__ == "__main__":
    main()
