#!/usr/bin/env bash
# Checks the distribution archive as an operator would use it (docs/deploy/README.md): builds
# herald-server/target/herald-VERSION.tar.gz when it is missing or older than the sources, unpacks it
# into a temporary directory, checks its layout, runs bin/herald (through a symbolic link, with its
# default conf/herald.yml) on a free loopback port, reads the page, streams SSE while publishing, reads the
# history back, finds the access line with its secret redacted; then runs nginx from docs/deploy/nginx.conf
# (its addresses and certificate replaced) in front of it and checks an SSE event arrives over HTTP/2 while
# the stream is open and a WebSocket upgrades through it; stops Herald with SIGTERM as systemd does, and
# checks docs/deploy/herald.service with systemd-analyze. nginx, openssl and systemd-analyze are needed
# under CI (.ci/run installs them); elsewhere a missing one skips its part. Used by .ci/run.
set -euo pipefail
PATH=$PATH:/usr/sbin:/sbin # nginx and systemd-analyze may live there
cd "$(dirname "$0")/.."
root=$(pwd)

version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)
archive="herald-server/target/herald-$version.tar.gz"
if [ ! -f "$archive" ] || [ -n "$(find herald-core/src/main herald-server/src/main herald-server/src/dist herald-server/src/assembly docs README.md herald.example.yml pom.xml herald-server/pom.xml -newer "$archive" -print -quit 2>/dev/null)" ]; then
  mvn -B -ntp -q -DskipTests -pl herald-server -am package
fi

work=$(mktemp -d)
server=
proxy=
cleanup() {
  if [ -n "$proxy" ]; then kill -QUIT "$proxy" 2>/dev/null || true; wait "$proxy" 2>/dev/null || true; fi
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "dist smoke: $*" >&2
  [ -f "$work/err" ] && sed 's/^/  herald: /' "$work/err" >&2
  [ -f "$work/nginx-error.log" ] && sed 's/^/  nginx: /' "$work/nginx-error.log" >&2
  exit 1
}
missing() { # a tool this part needs is not installed: fatal under CI, else skip the part
  if [ -n "${CI:-}" ]; then fail "$1 is not installed"; fi
  echo "dist smoke: $1 not installed; $2 skipped"
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

tar -xzf "$archive" -C "$work"
home="$work/herald-$version"
for f in bin/herald conf/herald.yml README.md docs/configuration.md docs/deploy/README.md docs/deploy/herald.service \
         docs/deploy/nginx.conf "lib/herald-server-$version.jar" "lib/herald-core-$version.jar"; do
  [ -e "$home/$f" ] || fail "the archive lacks $f"
done
[ -x "$home/bin/herald" ] || fail "bin/herald is not executable"
cmp -s "$home/conf/herald.yml" herald.example.yml || fail "conf/herald.yml is not herald.example.yml"

# Its default configuration, found through a symbolic link as from /usr/local/bin.
ln -s "$home/bin/herald" "$work/herald"
out=$("$work/herald" --check-config) || fail "--check-config failed: $out"
[ "$out" = "$home/conf/herald.yml: OK" ] || fail "--check-config said: $out"
status=0
bad=$("$work/herald" --config "$work/missing.yml" 2>&1) || status=$?
[ "$status" = 2 ] && [ "$bad" = "herald: $work/missing.yml: no such file" ] || fail "a missing file: status $status, '$bad'"
status=0
bad=$(HERALD_LOGGING_FORMAT=xml "$work/herald" --check-config 2>&1) || status=$?
[ "$status" = 2 ] && [ "$bad" = "herald: HERALD_LOGGING_FORMAT: logging.format: xml (expected: text or json)" ] \
  || fail "a bad log format: status $status, '$bad'"

# Run it; --port 0 picks a free port, which its first line names; the admin listener on a free port too.
admin=$(free_port)
"$work/herald" --port 0 --admin-listen "127.0.0.1:$admin" > "$work/out" 2> "$work/err" &
server=$!
port=
for _ in $(seq 1 300); do
  port=$(sed -n 's|^Herald is up: http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$work/out")
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || fail "bin/herald exited"
  sleep 0.1
done
[ -n "$port" ] || fail "no 'Herald is up' line within 30 s"
base="http://127.0.0.1:$port"
curl -fsS "http://127.0.0.1:$admin/health/ready" > /dev/null || fail "GET /health/ready on the admin listener failed"

page=$(curl -fsS "$base/") || fail "GET / failed"
[[ $page == */sse/* ]] || fail "GET / does not list the endpoints"
: > "$work/sse"
curl -sSN --max-time 5 "$base/sse/smoke?token=s3cret" > "$work/sse" 2>/dev/null &
sse=$!
for _ in $(seq 1 50); do grep -q "^retry:" "$work/sse" && break; sleep 0.1; done
grep -q "^retry:" "$work/sse" || fail "the SSE stream did not start"
curl -fsS -d "hello from the archive" "$base/pub/smoke" > /dev/null || fail "POST /pub failed"
for _ in $(seq 1 50); do grep -q "^data: hello from the archive" "$work/sse" && break; sleep 0.1; done
grep -q "^data: hello from the archive" "$work/sse" || fail "the publication did not reach the SSE stream"
kill "$sse" 2>/dev/null || true
wait "$sse" 2>/dev/null || true
history=$(curl -fsS "$base/history/smoke") || fail "GET /history failed"
[[ $history == *'"data":"hello from the archive"'* ]] || fail "the history does not hold the publication: $history"
for _ in $(seq 1 50); do grep -q 'herald.access - .*"GET /sse/smoke?token=\*\*\*" 200 sse' "$work/err" && break; sleep 0.1; done
grep -q 'herald.access - .*"GET /sse/smoke?token=\*\*\*" 200 sse' "$work/err" || fail "no access line for the stream"
! grep -q s3cret "$work/err" || fail "a secret reached the log"

# nginx in front, from docs/deploy/nginx.conf with loopback addresses and a throwaway certificate.
nginx_smoke() {
  local tls http leftover
  tls=$(free_port)
  http=$(free_port)
  openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 \
    -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1 || fail "openssl could not make a certificate"
  sed -e "s#server 127.0.0.1:8080;#server 127.0.0.1:$port;#" \
      -e "s#listen 443 ssl http2;#listen 127.0.0.1:$tls ssl http2;#" -e "s#listen 80;#listen 127.0.0.1:$http;#" \
      -e "/listen \[::\]/d" \
      -e "s#/etc/ssl/herald/fullchain.pem#$work/cert.pem#" -e "s#/etc/ssl/herald/privkey.pem#$work/key.pem#" \
      "$home/docs/deploy/nginx.conf" > "$work/herald-nginx.conf"
  for expected in "127.0.0.1:$port;" "127.0.0.1:$tls ssl http2" "127.0.0.1:$http;" "$work/cert.pem" "$work/key.pem"; do
    grep -qF "$expected" "$work/herald-nginx.conf" || fail "docs/deploy/nginx.conf changed: cannot set $expected"
  done
  leftover=$(sed 's/#.*//' "$work/herald-nginx.conf" | grep -wE "8080|443|/etc/ssl" || true)
  [ -z "$leftover" ] || fail "docs/deploy/nginx.conf: an address or path left unreplaced: $leftover"
  mkdir -p "$work/nginx"
  cat > "$work/nginx.conf" <<EOF
daemon off;
worker_processes 1;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  include $work/herald-nginx.conf;
}
EOF
  nginx -t -q -p "$work/nginx" -c "$work/nginx.conf" 2>> "$work/nginx-error.log" || fail "nginx -t refused the configuration"
  nginx -p "$work/nginx" -c "$work/nginx.conf" 2>> "$work/nginx-error.log" &
  proxy=$!
  local front="https://127.0.0.1:$tls"
  for _ in $(seq 1 50); do curl -skf -o /dev/null "$front/" && break; sleep 0.1; done
  [ "$(curl -sk -o /dev/null -w '%{http_version}' "$front/")" = 2 ] || fail "nginx does not answer over HTTP/2"
  [ "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$http/sse/x")" = "301 https://127.0.0.1/sse/x" ] \
    || fail "plain HTTP is not redirected to HTTPS"

  # SSE over HTTP/2 through nginx: the event arrives while the stream is still open (not buffered).
  : > "$work/sse-proxied"
  curl -skN --http2 --max-time 10 "$front/sse/proxied" > "$work/sse-proxied" 2>/dev/null &
  local sse=$!
  for _ in $(seq 1 50); do grep -q "^retry:" "$work/sse-proxied" && break; sleep 0.1; done
  grep -q "^retry:" "$work/sse-proxied" || fail "no SSE stream through nginx"
  curl -skf --http2 -d "through nginx" "$front/pub/proxied" > /dev/null || fail "POST /pub through nginx failed"
  for _ in $(seq 1 30); do grep -q "^data: through nginx" "$work/sse-proxied" && break; sleep 0.1; done
  grep -q "^data: through nginx" "$work/sse-proxied" || fail "the SSE event did not come through nginx within 3 s"
  kill -0 "$sse" 2>/dev/null || fail "the SSE stream through nginx ended (buffered until the end?)"
  kill "$sse" 2>/dev/null || true
  wait "$sse" 2>/dev/null || true

  # A WebSocket through nginx (HTTP/1.1 over TLS): the upgrade, then a publication as a frame.
  python3 - "$tls" "$front" <<'PY' || fail "the WebSocket through nginx failed"
import socket, ssl, subprocess, sys, time
port, front = int(sys.argv[1]), sys.argv[2]
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
with context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname="localhost") as s:
    s.sendall(b"GET /ws/proxied-ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            sys.exit("connection closed during the handshake: %r" % head)
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        sys.exit("no upgrade: %r" % head[:200])
    rest = head.split(b"\r\n\r\n", 1)[1]
    deadline = time.time() + 5
    while time.time() < deadline:  # the subscription starts just after the upgrade: publish until a frame comes
        subprocess.run(["curl", "-skf", "-o", "/dev/null", "-d", "ws through nginx", front + "/pub/proxied-ws"], check=True)
        s.settimeout(0.3)
        try:
            rest += s.recv(4096)
        except socket.timeout:
            pass
        if b"ws through nginx" in rest:
            if rest[0] != 0x81:
                sys.exit("not a text frame: %r" % rest[:20])
            sys.exit(0)
    sys.exit("no frame through nginx: %r" % rest[:200])
PY
  kill -QUIT "$proxy"
  wait "$proxy" 2>/dev/null || true
  proxy=
  echo "dist smoke: nginx (docs/deploy/nginx.conf) in front: HTTP/2, SSE unbuffered, WebSocket upgraded"
}
if ! command -v nginx >/dev/null 2>&1; then
  missing nginx "the nginx part"
elif ! command -v openssl >/dev/null 2>&1; then
  missing openssl "the nginx part"
else
  nginx_smoke
fi

kill -TERM "$server"
status=0
wait "$server" || status=$?
server=
[ "$status" = 143 ] || fail "exit status $status after SIGTERM (expected 143)"
grep -q "Herald stopped" "$work/err" || fail "no 'Herald stopped' after SIGTERM"

# The systemd unit, pointed at this copy (verify needs ExecStart to exist).
if command -v systemd-analyze >/dev/null 2>&1; then
  sed "s#/opt/herald/bin/herald#$home/bin/herald#" "$home/docs/deploy/herald.service" > "$work/herald.service"
  report=$(systemd-analyze verify "$work/herald.service" 2>&1) || fail "systemd-analyze verify: $report"
  [ -z "$report" ] || fail "systemd-analyze verify: $report"
  systemd-analyze security --offline=yes --threshold=20 "$work/herald.service" > "$work/security" 2>&1 \
    || fail "the unit's exposure is above 2.0: $(tail -1 "$work/security")"
  echo "dist smoke: herald.service verified; $(grep -o 'Overall exposure level.*' "$work/security")"
else
  missing systemd-analyze "the check of herald.service"
fi
echo "dist smoke: passed ($(du -h "$root/$archive" | cut -f1) $archive)"
