#!/usr/bin/env bash
# Coffer on PostgreSQL against Coffer on SQLite, in one run on this machine (not a test):
#  1. GET of one secret (authenticated, audited): one server on SQLite, one on PostgreSQL;
#  2. concurrent durable sets (PUT of a new secret each) on each;
#  3. GET and sets through two PostgreSQL replicas at once.
# Prints requests/s, the ratios, database statements per request (pg_stat_statements) and CPU
# per request of Coffer and of PostgreSQL (from /proc). Usage: bench/ha.sh [path/to/coffer]
# (DURATION, CONNS, THREADS, ROUNDS of the GET pair; TOP_STATEMENTS=1 also lists the statements of the PostgreSQL PUT run).
set -euo pipefail
COFFER=$(realpath "${1:-build/coffer}")
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/coffer-bench-ha.XXXXXX)
chmod 711 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  /usr/bin/python3 "$here/../tests/support/pg_cluster.py" stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"

# PostgreSQL 15 with pg_stat_statements (statements per request).
/usr/bin/python3 -c "
import sys; sys.path.insert(0, '$here/../tests/support')
from pg_cluster import Cluster
Cluster('$work/pg').start({'shared_preload_libraries': \"'pg_stat_statements'\", 'pg_stat_statements.track': 'all'})"
pgurl=$(cat "$work/pg/url")
psql -X -q "$pgurl" -c "CREATE DATABASE bench" -c "CREATE EXTENSION pg_stat_statements"
dburl="${pgurl%/*}/bench"
psql -X -q "$dburl" -c "CREATE EXTENSION pg_stat_statements"

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() {  # name data_dir [extra args...] → sets port_<name>
  local name=$1 dir=$2; shift 2
  local port; port=$(free_port)
  "$COFFER" server --dev --data-dir "$dir" --listen "localhost:$port" "$@" > "$work/$name.log" 2>&1 &
  pids+=($!)
  eval "pid_$name=$!"
  for _ in $(seq 200); do grep -q "Coffer dev server on" "$work/$name.log" && break; sleep 0.1; done
  grep -q "Coffer dev server on" "$work/$name.log" || { cat "$work/$name.log"; exit 1; }
  eval "port_$name=$port"
}
start sqlite "$work/sqlite"
start pg1 "$work/pg1" --storage "$dburl"
mkdir -p "$work/pg2" && chmod 700 "$work/pg2"
cp "$work/pg1/root.key" "$work/pg2/" && cp -r "$work/pg1/tls" "$work/pg2/"
echo "{\"authority\": \"https://localhost:$port_pg1\"}" > "$work/pg2/replica.json"
start pg2 "$work/pg2" --storage "$dburl" --config "$work/pg2/replica.json"

token() {  # data_dir port → a token for every vault host
  local dev="$1/dev.json"
  curl -s --cacert "$1/tls/ca.crt" "https://localhost:$2/adfs/oauth2/token" -d grant_type=client_credentials \
    -d "client_id=$(/usr/bin/python3 -c "import json; print(json.load(open('$dev'))['clientId'])")" \
    --data-urlencode "client_secret=$(/usr/bin/python3 -c "import json; print(json.load(open('$dev'))['clientSecret'])")" \
    -d "scope=https://vault.localhost/.default" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
tok_sqlite=$(token "$work/sqlite" "$port_sqlite")
tok_pg=$(token "$work/pg1" "$port_pg1")
seed() {  # data_dir port token
  curl -sf --cacert "$1/tls/ca.crt" -o /dev/null -H "Authorization: Bearer $3" -X PUT \
    -H 'Content-Type: application/json' -d '{"value":"benchmark-secret-value-0123456789"}' \
    "https://dev.vault.localhost:$2/secrets/bench?api-version=7.4"
}
seed "$work/sqlite" "$port_sqlite" "$tok_sqlite"
seed "$work/pg1" "$port_pg1" "$tok_pg"

cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
pg_ticks() { local s=0; for p in $(pgrep -u postgres); do s=$((s + $(awk '{print $14+$15}' /proc/$p/stat 2>/dev/null || echo 0))); done; echo $s; }
statements() { psql -X -q -t -A "$dburl" -c "SELECT coalesce(sum(calls),0) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname='bench')"; }
rps() { awk '/Requests\/sec/ {print $2}'; }
reqs() { awk '/requests in/ {print $1}'; }
check() { if grep -q "Non-2xx" "$1"; then echo "ERROR: non-2xx responses in $1" >&2; cat "$1" >&2; exit 1; fi; }

# run LABEL PID TOKEN URL [lua] → prints a line; sets last_rps
run() {
  local label=$1 pid=$2 tok=$3 url=$4 script=${5:-}
  local c0 p0 s0; c0=$(cpu_ticks "$pid"); p0=$(pg_ticks); s0=$(statements)
  local out="$work/wrk-$label.txt"
  if [ -n "$script" ]; then wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s "$script" -H "Authorization: Bearer $tok" "$url" > "$out"
  else wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -H "Authorization: Bearer $tok" "$url" > "$out"; fi
  check "$out"
  local c1 p1 s1; c1=$(cpu_ticks "$pid"); p1=$(pg_ticks); s1=$(statements)
  local n; n=$(reqs < "$out"); last_rps=$(rps < "$out")
  /usr/bin/python3 -c "
hz=100; n=$n
print(f'$label: {float($last_rps):>10.0f} req/s   coffer {($c1-$c0)/hz/n*1e6:6.1f} us/req   postgres {($p1-$p0)/hz/n*1e6:6.1f} us/req   statements {($s1-$s0)/n:5.2f}/req')"
}

echo "== wrk -t$THREADS -c$CONNS -d$DURATION"
# GET in ROUNDS alternating pairs: the machine's speed drifts by ±10 % between runs, so the ratio is
# the median of the pairs' ratios (each pair measured back to back), and the rates are medians too.
get_ratios=() get_sqlites=() get_pgs=()
for round in $(seq "$ROUNDS"); do
  run "GET  sqlite" "$pid_sqlite" "$tok_sqlite" "https://dev.vault.localhost:$port_sqlite/secrets/bench?api-version=7.4"; s=$last_rps
  run "GET  pg    " "$pid_pg1" "$tok_pg" "https://dev.vault.localhost:$port_pg1/secrets/bench?api-version=7.4"; p=$last_rps
  get_sqlites+=("$s") get_pgs+=("$p") get_ratios+=("$(/usr/bin/python3 -c "print($p/$s)")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
get_sqlite=$(median "${get_sqlites[@]}") get_pg=$(median "${get_pgs[@]}") get_ratio=$(median "${get_ratios[@]}")
run "PUT  sqlite" "$pid_sqlite" "$tok_sqlite" "https://dev.vault.localhost:$port_sqlite" "$here/put.lua"; put_sqlite=$last_rps
[ -n "${TOP_STATEMENTS:-}" ] && psql -X -q -t "$dburl" -c "SELECT pg_stat_statements_reset()" > /dev/null
perf record -F 499 -g -p "$pid_pg1" -o /tmp/put-pg.perf -- sleep 6 &
run "PUT  pg    " "$pid_pg1" "$tok_pg" "https://dev.vault.localhost:$port_pg1" "$here/put.lua"; put_pg=$last_rps
if [ -n "${TOP_STATEMENTS:-}" ]; then  # where PostgreSQL's time per durable set goes
  psql -X -q "$dburl" -c "SELECT calls, round(mean_exec_time::numeric * 1000, 1) AS mean_us,
    round(total_exec_time::numeric) AS total_ms, left(regexp_replace(query, '\s+', ' ', 'g'), 90) AS query
    FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12"
fi

wait; exit 0
two() {
  local script=${1:-} path=${2:-/secrets/bench?api-version=7.4}
  local half=$((CONNS / 2))
  for srv in pg1 pg2; do
    eval "p=\$port_$srv"
    if [ -n "$script" ]; then wrk -t1 -c"$half" -d"$DURATION" -s "$script" -H "Authorization: Bearer $tok_pg" "https://dev.vault.localhost:$p" > "$work/two-$srv.txt" &
    else wrk -t1 -c"$half" -d"$DURATION" -H "Authorization: Bearer $tok_pg" "https://dev.vault.localhost:$p$path" > "$work/two-$srv.txt" & fi
  done
  wait %1 %2 2>/dev/null || wait
  check "$work/two-pg1.txt"; check "$work/two-pg2.txt"
  /usr/bin/python3 -c "print(f'{float(\"$(rps < "$work/two-pg1.txt")\") + float(\"$(rps < "$work/two-pg2.txt")\"):.0f}')"
}
get_two=$(two "" "/secrets/bench?api-version=7.4")
put_two=$(two "$here/put.lua")
echo "GET  2 replicas: $get_two req/s"
echo "PUT  2 replicas: $put_two req/s"
echo
/usr/bin/python3 -c "
print(f'GET  pg/sqlite : {$get_ratio:.2f} x (goal >= 0.8; median of $ROUNDS back-to-back pairs: ' + ', '.join(f'{r:.2f}' for r in [$(IFS=,; echo "${get_ratios[*]}")]) + ')')
print(f'PUT  pg        : {$put_pg:.0f} durable sets/s (goal >= 3000); pg/sqlite {$put_pg/$put_sqlite:.2f} x')
print(f'2 replicas/1   : GET {$get_two/$get_pg:.2f} x, PUT {$put_two/$put_pg:.2f} x (2 cores: no scaling to show)')"
