#!/bin/sh
# jwks authz alone under wrk: allow decisions on a cached token (one issuer, a JWKS file, three
# claims to headers, a scope rule) next to GET /healthz on the same server, in alternating
# rounds. Each side is reported as requests per CPU-second of the server (its utime + stime
# from /proc), which a shared machine disturbs less than requests per second, and the decision's
# cost is their difference. With MEMORY=1, the server's RSS after start, after a warm-up and
# after each of MEMORY_ROUNDS rounds of 30 s.
#
#   cargo build --release -p jwkskit-cli && bench/authz/run.sh [ROUNDS]
#
# Needs wrk (Debian: apt-get install wrk) and Linux (/proc).
set -eu
ROUNDS=${1:-3}
JWKS=${JWKS_BIN:-target/release/jwks}
DIR=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null; rm -rf "$DIR"' EXIT INT TERM
PID=

"$JWKS" keygen --alg ES256 --out "$DIR/k.key" --kid k1 --jwk-out "$DIR/k.jwk" >/dev/null 2>&1
python3 -c 'import json,sys; json.dump({"keys":[json.load(open(sys.argv[1]))]}, open(sys.argv[2],"w"))' \
    "$DIR/k.jwk" "$DIR/jwks.json"
TOKEN=$("$JWKS" sign --key "$DIR/k.key" --iss https://idp.example/ --aud api --sub alice \
    --exp-in 24h --claims '{"scope":"read admin","org":{"tenant":"t1"}}')
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$DIR/authz.toml" <<TOML
listen = "127.0.0.1:$PORT"
[[issuers]]
name = "main"
issuer = "https://idp.example/"
jwks_file = "jwks.json"
audiences = ["api"]
[claims_to_headers]
"X-Auth-Sub" = "sub"
"X-Auth-Scope" = "scope"
"X-Auth-Tenant" = "org.tenant"
[[routes]]
path_prefix = "/admin/"
scopes_all = ["admin"]
TOML
"$JWKS" authz --config "$DIR/authz.toml" 2>"$DIR/authz.log" &
PID=$!
sleep 1
URL="http://127.0.0.1:$PORT"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Original-Method: GET' \
    -H 'X-Original-URI: /admin/x' -H "Authorization: Bearer $TOKEN" "$URL/auth")
[ "$code" = 200 ] || { echo "the check answered $code, not 200" >&2; exit 1; }

TICK=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$PID/status"; }
load() {
    wrk -t2 -c64 -d"$2" -H 'X-Original-Method: GET' -H 'X-Original-URI: /admin/x' \
        -H "Authorization: Bearer $TOKEN" "$URL$1" | awk '/requests in/ {print $1}'
}
side() {
    c0=$(cpu); n=$(load "$1" 10s); c1=$(cpu)
    echo "$n $(( c1 - c0 ))" | awk -v t="$TICK" '{printf "%.0f", $1 / ($2 / t)}'
}

echo "uptime before: $(uptime)"
i=0
while [ "$i" -lt "$ROUNDS" ]; do
    a=$(side /auth); h=$(side /healthz)
    echo "$a $h" | awk '{printf "round: allow %d/CPU-s, healthz %d/CPU-s, ratio %.2f, decision %.2f us\n",
        $1, $2, $1 / $2, (1e6 / $1) - (1e6 / $2)}'
    i=$((i + 1))
done
echo "uptime after: $(uptime)"

if [ "${MEMORY:-0}" = 1 ]; then
    echo "rss after start: $(rss) kB"
    load /auth 1s >/dev/null
    echo "rss after warm-up: $(rss) kB"
    i=0
    while [ "$i" -lt "${MEMORY_ROUNDS:-4}" ]; do
        n=$(load /auth 30s)
        echo "rss after $n more requests: $(rss) kB"
        i=$((i + 1))
    done
fi
