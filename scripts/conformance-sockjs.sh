#!/usr/bin/env bash
# Runs the upstream SockJS protocol suite (sockjs/sockjs-protocol, sockjs-protocol.py: Python 2 code)
# against a Herald started with --conformance (docs/protocol.md, "SockJS"; results in docs/compatibility.md).
#
# The suite is never part of this repository: bring it with the workspace's `fetch` tool
# (github:sockjs/sockjs-protocol); this script reads it from that git directory (SOCKJS_PROTOCOL_GIT,
# default /work/.mirror/sockjs+sockjs-protocol/repo) at SOCKJS_PROTOCOL_COMMIT, copies it into a temp
# dir and applies the mechanical Python 3 changes there: `unittest2` -> `unittest`, `lambda(ws):`,
# `unichr`, `long`, and a Python 3 replacement of its utils.py (the same GET/POST/OPTIONS/raw-socket
# helpers over bytes, the raw WebSocket client on python3-websocket instead of ws4py).
#
# Needs Debian's python3 and python3-websocket (.ci/run installs it). Builds herald.jar unless
# SOCKJS_NO_BUILD=1; SOCKJS_URL=http://HOST:PORT runs against a server already started with --conformance.
# Extra arguments go to unittest (e.g. a test name: Protocol.test_simpleSession).
set -euo pipefail
cd "$(dirname "$0")/.."

GIT_DIR_SUITE="${SOCKJS_PROTOCOL_GIT:-/work/.mirror/sockjs+sockjs-protocol/repo}"
COMMIT="${SOCKJS_PROTOCOL_COMMIT:-fdf5b7d719de6bd74ea4aedd264f01814b4f226d}"
PYTHON="${SOCKJS_PYTHON:-/usr/bin/python3}"

if ! git --git-dir="$GIT_DIR_SUITE" cat-file -e "$COMMIT:sockjs-protocol.py" 2>/dev/null; then
  echo "conformance-sockjs: the suite is absent: no sockjs-protocol.py at $COMMIT in $GIT_DIR_SUITE." >&2
  echo "  Bring it with the workspace's fetch tool (github:sockjs/sockjs-protocol) or set SOCKJS_PROTOCOL_GIT." >&2
  exit 3
fi
if ! "$PYTHON" -c 'import websocket' 2>/dev/null; then
  echo "conformance-sockjs: $PYTHON lacks the websocket module: apt-get install python3-websocket" >&2
  exit 3
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

git --git-dir="$GIT_DIR_SUITE" show "$COMMIT:sockjs-protocol.py" > "$work/sockjs_protocol.py"
sed -i -e 's/^import unittest2 as unittest$/import unittest/' \
       -e 's/lambda(ws):/lambda ws:/' \
       -e 's/unichr(/chr(/g' \
       -e 's/\[int, long\]/[int]/g' \
       "$work/sockjs_protocol.py"

cat > "$work/utils.py" <<'PY'
# Python 3 stand-in for sockjs-protocol's utils.py: the same helpers; bodies are str (UTF-8).
import socket, re, urllib.parse as urlparse, queue
import websocket


def _s(b):
    return b.decode('utf-8', 'surrogateescape')


class CaseInsensitiveDict(dict):
    def __init__(self, *a, **kw):
        super().__init__()
        for k, v in dict(*a, **kw).items():
            self[k] = v
    def __setitem__(self, k, v): super().__setitem__(k.lower(), v)
    def __getitem__(self, k): return super().__getitem__(k.lower())
    def get(self, k, d=None): return super().get(k.lower(), d)
    def __contains__(self, k): return super().__contains__(k.lower())


class Response(object):
    def __getitem__(self, key): return self.headers.get(key)
    def get(self, key, default): return self.headers.get(key, default)


class RawHttpConnection(object):
    def __init__(self, url):
        u = urlparse.urlparse(url)
        self.s = socket.create_connection((u.hostname, u.port), timeout=1)
        self.buf = b''

    def _recv(self, n):
        if self.buf:
            b, self.buf = self.buf[:n], self.buf[n:]
            return b
        return self.s.recv(n)

    def recvline(self):
        out = b''
        while not out.endswith(b'\n'):
            c = self._recv(1)
            if not c:
                break
            out += c
        return _s(out)

    def request(self, method, url, headers={}, body=None, timeout=1, http="1.1", send_only=False):
        h = dict(headers)
        if method == 'POST':
            body = (body or '')
        if isinstance(body, str):
            body = body.encode('utf-8')
        u = urlparse.urlparse(url)
        h['Host'] = u.hostname + ':' + str(u.port) if u.port else u.hostname
        if body is not None:
            h['Content-Length'] = str(len(body))
        rel_url = url[url.find(u.path):]
        req = ["%s %s HTTP/%s" % (method, rel_url, http)] + ["%s: %s" % (k, v) for k, v in h.items()] + ['', '']
        self.s.sendall('\r\n'.join(req).encode('utf-8'))
        if body:
            self.s.sendall(body)
        if send_only:
            return None
        head = self.recvline()
        r = re.match(r'HTTP/(?P<version>\S+) (?P<status>\S+) (?P<description>.*)', head)
        resp = Response()
        resp.http = r.group('version')
        resp.status = int(r.group('status'))
        resp.description = r.group('description').rstrip('\r\n')
        resp.headers = CaseInsensitiveDict()
        while True:
            line = self.recvline()
            if line in ['\n', '\r\n', '']:
                break
            k, _, v = line.partition(':')
            resp.headers[k] = v.lstrip().rstrip('\r\n')
        return resp

    def read(self, size=None):
        if size is None:
            return _s(self._recv(999999))
        data = b''
        while size > 0:
            c = self._recv(size)
            if not c:
                raise Exception('Socket closed!')
            size -= len(c)
            data += c
        return _s(data)

    def read_till_eof(self):
        data = b''
        while True:
            c = self._recv(999999)
            if not c:
                break
            data += c
        return _s(data)

    def closed(self):
        t = self.s.gettimeout()
        self.s.settimeout(0.1)
        r = self._recv(1) == b''
        if not r:
            raise Exception('Socket not closed!')
        self.s.settimeout(t)
        return r

    def read_chunk(self):
        line = self.recvline().rstrip('\r\n')
        n = int(line, 16) + 2
        return self.read(n)[:-2]

    def send(self, data):
        self.s.sendall(data.encode('latin-1') if isinstance(data, str) else data)

    def close(self):
        self.s.close()


def SynchronousHttpRequest(method, url, **kwargs):
    c = RawHttpConnection(url)
    r = c.request(method, url, **kwargs)
    if r.get('Transfer-Encoding', '').lower() == 'chunked':
        chunks = []
        while True:
            chunk = c.read_chunk()
            if len(chunk) == 0:
                break
            chunks.append(chunk)
        r.body = ''.join(chunks)
    elif r.get('Content-Length', ''):
        r.body = c.read(int(r['Content-Length']))
    elif 'close' in [k.strip() for k in r.get('Connection', '').lower().split(',')]:
        r.body = c.read_till_eof()
    else:
        if r.status in [101, 304, 204] or (r.status == 200 and method == 'OPTIONS'):
            r.body = ''
        else:
            raise Exception(str(r.status) + ' ' + str(r.headers) + " No Transfer-Encoding:chunked nor Content-Length nor Connection:Close!")
    c.close()
    return r


def GET(url, **kw): return SynchronousHttpRequest('GET', url, **kw)
def POST(url, **kw): return SynchronousHttpRequest('POST', url, **kw)
def OPTIONS(url, **kw): return SynchronousHttpRequest('OPTIONS', url, **kw)


def AsynchronousHttpRequest(method, url, **kwargs):
    c = RawHttpConnection(url)
    r = c.request(method, url, **kwargs)
    if r.get('Transfer-Encoding', '').lower() == 'chunked':
        r.read = c.read_chunk
    elif r.get('Content-Length', ''):
        cl = int(r['Content-Length'])
        r.read = lambda: c.read(cl)
    elif 'close' in [k.strip() for k in r.get('Connection', '').lower().split(',')] or r.status == 101:
        r.read = lambda: c.read()
    else:
        raise Exception(str(r.status) + ' ' + str(r.headers) + " No Transfer-Encoding:chunked nor Content-Length nor Connection:Close!")
    r.close = c.close
    return r


def GET_async(url, **kw): return AsynchronousHttpRequest('GET', url, **kw)
def POST_async(url, **kw): return AsynchronousHttpRequest('POST', url, **kw)


class _Pending(object):
    """old_POST_async(url, load=False): the request is sent, its answer never read."""
    def __init__(self, url, headers={}):
        self.c = RawHttpConnection(url)
        self.c.request('POST', url, headers=headers, body='', send_only=True)
    def close(self):
        self.c.close()


def old_POST_async(url, load=True, **kw):
    if load:
        return POST_async(url, **kw)
    return _Pending(url, **kw)


class WebSocket8Client(object):
    class ConnectionClosedException(Exception):
        pass

    def __init__(self, url):
        self.ws = websocket.create_connection(url, timeout=1)

    def send(self, data):
        self.ws.send(data)

    def recv(self):
        opcode, frame = self.ws.recv_data_frame(True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            ce = self.ConnectionClosedException()
            data = frame.data
            ce.code = int.from_bytes(data[:2], 'big') if len(data) >= 2 else None
            ce.reason = data[2:].decode('utf-8')
            raise ce
        return frame.data.decode('utf-8')

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
PY

if [ -z "${SOCKJS_URL:-}" ]; then
  if [ "${SOCKJS_NO_BUILD:-0}" != 1 ]; then
    mvn -B -q -ntp -DskipTests -Dassembly.skipAssembly=true package -pl herald-server -am >/dev/null
  fi
  port="$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  # The suite opens a connection per request, hundreds a second from one address: no per-address limits.
  HERALD_LIMITS_PER_IP_CONNECT_RATE=0 HERALD_LIMITS_PER_IP_CONNECTIONS=0 \
    java -jar herald-server/target/herald.jar --conformance --port "$port" --admin-listen off \
    >"$work/herald.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/echo" >/dev/null 2>&1; then break; fi
    sleep 0.2
  done
  SOCKJS_URL="http://127.0.0.1:$port"
fi

echo "conformance-sockjs: sockjs-protocol $COMMIT against $SOCKJS_URL"
cd "$work"
set +e
SOCKJS_URL="$SOCKJS_URL" "$PYTHON" sockjs_protocol.py "$@" 2>&1 | tee "$work/result.txt"
status=${PIPESTATUS[0]}
set -e
tail -3 "$work/result.txt" | grep -E '^(OK|FAILED)' || true
if [ -n "$server_pid" ] && [ "$status" != 0 ]; then
  echo "--- herald log (last 20 lines)"; tail -20 "$work/herald.log"
fi
exit "$status"
