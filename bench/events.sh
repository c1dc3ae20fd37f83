#!/usr/bin/env bash
# Events benchmark (issue 16; not a test): durable sets (wrk PUTs of new
# secrets, acknowledged after fsync) with no event subscription and with one
# subscription whose loopback HTTPS webhook (bench/event_receiver.py) gets
# every SecretNewVersionCreated, in ROUNDS (default 3) back-to-back pairs, and
# the median ratio (goal: with events >= 0.9x without); then how many events
# per second reached the webhook while the sets ran, and how long the queue
# took to drain. The outbox record is written with every set in both runs
# (events are always recorded); the subscription adds the fan-out, the
# queues and the deliveries. Usage: bench/events.sh [path/to/coffer]
set -euo pipefail
COFFER=${1:-build/coffer}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/coffer-eventbench.XXXXXX)
cleanup() { kill "${coffer_pid:-}" "${hook_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost -keyout "$work/hook.key" -out "$work/hook.crt" 2>/dev/null
/usr/bin/python3 "$here/event_receiver.py" "$work/hook.crt" "$work/hook.key" "$work/hook.port" "$work/hook.count" &
hook_pid=$!
for _ in $(seq 50); do [[ -s $work/hook.port ]] && break; sleep 0.1; done
export COFFER_EVENTS_CA_FILE=$work/hook.crt
export COFFER_EVENTS_ALLOW_PRIVATE_ENDPOINTS=true  # the receiver is on loopback
source "$here/dev_server.sh"
admin() {  # method, path, body
  local atok
  atok=$(curl -s --cacert "$ca" "https://localhost:$port/adfs/oauth2/token" -d grant_type=client_credentials \
    -d "client_id=$(field clientId)" --data-urlencode "client_secret=$(field clientSecret)" \
    -d "scope=https://localhost:$port/.default" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  curl -s -o /dev/null -w '%{http_code}' --cacert "$ca" -H "Authorization: Bearer $atok" -H 'Content-Type: application/json' \
    -X "$1" -d "${3:-}" "https://localhost:$port/coffer/admin$2"
}
rps() { awk '/Requests\/sec/ {print $2}' "$1"; }
sets() {  # → requests/s of durable sets
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s "$here/put.lua" -H "Authorization: Bearer $tok" "$vault" > "$work/wrk.txt"
  if grep -q "Non-2xx" "$work/wrk.txt"; then cat "$work/wrk.txt" >&2; exit 1; fi
  rps "$work/wrk.txt"
}
subscription="{\"properties\":{\"destination\":{\"endpointType\":\"WebHook\",\"properties\":{\"endpointUrl\":\"https://localhost:$(cat "$work/hook.port")/hook\"}}}}"
echo "CPU: $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}'), $(nproc) cores"
ratios=()
for round in $(seq "$ROUNDS"); do
  off=$(sets)
  [[ $(admin PUT /vaults/dev/eventSubscriptions/bench "$subscription") == 200 ]] || { echo "subscription refused" >&2; exit 1; }
  before=$(cat "$work/hook.count" 2>/dev/null || echo 0)
  start=$(date +%s.%N)
  on=$(sets)
  during=$(( $(cat "$work/hook.count") - before ))
  # The queue drains after the run: wait until the webhook has every event of it.
  expected=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
  deadline=$(( $(date +%s) + 600 ))
  while (( $(cat "$work/hook.count") - before < expected && $(date +%s) < deadline )); do sleep 0.5; done
  drained=$(/usr/bin/python3 -c "import time; print(f'{time.time() - $start:.1f}')")
  [[ $(admin DELETE /vaults/dev/eventSubscriptions/bench) == 204 ]]
  ratio=$(/usr/bin/python3 -c "print(f'{$on/$off:.2f}')")
  ratios+=("$ratio")
  echo "round $round: sets without a subscription $off/s, with one $on/s (ratio $ratio); webhook got $during events during the run, all $expected after ${drained} s"
done
echo "durable sets with events / without: median $(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') of ${ratios[*]} (goal >= 0.9)"
