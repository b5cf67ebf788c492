#!/usr/bin/env python3
"""A minimal GRIP origin for benchmarking Pushpin (https://pushpin.org/docs/protocols/grip/).

Every GET whose last path segment is a channel name (e.g. /sse/bench-1) is answered with
`Grip-Hold: stream` and `Grip-Channel: {channel}` and a `text/event-stream` body holding only
`retry:`; Pushpin keeps the response open and appends what is published to the channel through
its control port (POST /publish/ with an `http-stream` format). The origin sees one request per
subscriber, at connect time only, so its own CPU is not part of any delivery.

    python3 bench/pushpin/grip_origin.py [PORT]     # default 18084, loopback only
"""
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHANNEL = re.compile(r"^[A-Za-z0-9_.:@-]{1,128}$")


class Origin(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        channel = self.path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        if not CHANNEL.match(channel):
            body = b"expected GET /.../{channel}\n"
            self.send_response(400)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        body = b"retry: 2000\n\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Grip-Hold", "stream")
        self.send_header("Grip-Channel", channel)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 4096


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 18084
    Server(("127.0.0.1", port), Origin).serve_forever()
