#!/usr/bin/env bash
# Coffer benchmark (not a test): in one run, on this machine,
#  1. GET of one secret over HTTPS keep-alive (authenticated, audited) with wrk,
#  2. the same JSON served by nginx over TLS with the same certificate, same wrk settings,
#  3. concurrent durable secret sets per second (PUT, each acknowledged after fsync).
# Prints requests/s and the Coffer/nginx ratio. Usage: bench/run.sh [path/to/coffer]
set -euo pipefail
COFFER=${1:-build/coffer}
DURATION=${DURATION:-15s}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
work=$(mktemp -d /tmp/coffer-bench.XXXXXX)
cleanup() { kill "$coffer_pid" "$nginx_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

source "$(dirname "$0")/dev_server.sh"
url="https://dev.vault.localhost:$port/secrets/bench?api-version=7.4"
curl -s --cacert "$ca" -H "Authorization: Bearer $tok" -X PUT -H 'Content-Type: application/json' \
  -d '{"value":"benchmark-secret-value-0123456789"}' "$url" > /dev/null
curl -s --cacert "$ca" -H "Authorization: Bearer $tok" "$url" > "$work/secret.json"

# nginx: the same JSON body, TLS with Coffer's own certificate and key, same protocols.
nginx_body="$work/secret.json"
source "$(dirname "$0")/nginx.sh"

rps() { awk '/Requests\/sec/ {print $2}'; }
# A run with error responses measures nothing: refuse it.
check() { if grep -q "Non-2xx" "$1"; then echo "ERROR: non-2xx responses in $1" >&2; cat "$1" >&2; exit 1; fi; }
echo "== wrk -t$THREADS -c$CONNS -d$DURATION, GET over TLS keep-alive"
coffer_get=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -H "Authorization: Bearer $tok" "$url" | tee "$work/wrk-coffer.txt" | rps)
cat "$work/wrk-coffer.txt"; check "$work/wrk-coffer.txt"
nginx_get=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "https://localhost:$nport/secrets/bench" | tee "$work/wrk-nginx.txt" | rps)
cat "$work/wrk-nginx.txt"; check "$work/wrk-nginx.txt"

echo "== concurrent durable sets (PUT, new secret each)"
coffer_put=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s "$(dirname "$0")/put.lua" -H "Authorization: Bearer $tok" \
  "https://dev.vault.localhost:$port" | tee "$work/wrk-put.txt" | rps)
cat "$work/wrk-put.txt"; check "$work/wrk-put.txt"

ratio=$(/usr/bin/python3 -c "print(f'{$coffer_get/$nginx_get:.2f}')")
echo
echo "coffer GET   : $coffer_get req/s"
echo "nginx  GET   : $nginx_get req/s"
echo "ratio        : $ratio x nginx (goal >= 0.6)"
echo "coffer PUT   : $coffer_put durable sets/s"
