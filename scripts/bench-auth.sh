#!/usr/bin/env bash
# Herald with access control on beside Herald with it off, in one run of scripts/bench.sh
# (docs/benchmarks.md): the cost of verifying tokens on the connect path. The "herald-auth" variant
# loads a configuration with an HS256 token key and a publish API key; its subscribers send
# 'Authorization: Bearer JWT' (a token granting subscribe on bench-*), its publisher 'X-API-Key'.
# Environment: as scripts/bench.sh (BENCH_SCENARIOS, BENCH_TRANSPORTS, BENCH_RUN, BENCH_QUICK...);
# BENCH_SERVERS defaults to "herald herald-auth", idle and wrk runs are off.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')   # 64 hex characters
key=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$secret" > "$dir/hmac"
printf '%s\n' "$key" > "$dir/api-key"
cat > "$dir/auth.yml" <<YAML
auth:
  keys:
    - {kid: k1, alg: HS256, secret-file: $dir/hmac}
  audience: herald
api-keys:
  - {name: bench, key-file: $dir/api-key, scope: publish}
permissions:
  subscribe: grant
YAML
# An HS256 JWT (RFC 7519) valid for a day, granting subscribe on every bench channel.
token=$(python3 - "$secret" <<'PY'
import base64, hashlib, hmac, json, sys, time
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=")
header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode())
claims = b64(json.dumps({"sub": "bench", "aud": "herald", "exp": int(time.time()) + 86400,
                         "grants": {"subscribe": ["bench-*"]}}).encode())
signing = header + b"." + claims
sig = b64(hmac.new(sys.argv[1].encode(), signing, hashlib.sha256).digest())
print((signing + b"." + sig).decode())
PY
)
jar="${HERALD_JAR:-herald-server/target/herald.jar}"
export BENCH_SERVERS="${BENCH_SERVERS:-herald herald-auth}"
export HERALD_VARIANTS="herald-auth $jar --config $dir/auth.yml${HERALD_VARIANTS:+; $HERALD_VARIANTS}"
export BENCH_LOADGEN_ARGS_herald_auth="--bearer $token --api-key $key"
export BENCH_IDLE="${BENCH_IDLE:-0}" BENCH_WRK="${BENCH_WRK:-0}"
export BENCH_RUN="${BENCH_RUN:-auth-$(date -u +%Y%m%d-%H%M%S)}"
scripts/bench.sh
