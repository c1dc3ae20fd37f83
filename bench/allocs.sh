#!/usr/bin/env bash
# Allocation count benchmark (not a test), issue 13: heap allocations per
# request on the hot paths — GET of a secret, ES256 and RS256 signs — counted
# with perf uprobes on the allocator coffer is linked with (jemalloc, mimalloc or
# glibc): malloc, calloc, realloc and, where the allocator defines them itself,
# operator new / new[]. Each kind runs `wrk -t1 -c4` for DURATION; the count
# covers the whole server process over that time (audit flushes, timers), divided
# by the requests wrk completed. Deterministic enough to compare two builds
# without the noise of a throughput run. Needs root (uprobes) and linux-perf.
# Usage: bench/allocs.sh [path/to/coffer]
set -euo pipefail
COFFER=${1:-build/coffer}
DURATION=${DURATION:-3s}
work=$(mktemp -d /tmp/coffer-allocs.XXXXXX)
events=()
cleanup() {
  kill "$coffer_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  for e in "${events[@]}"; do perf probe -q -d "$e" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

lib=$(ldd "$COFFER" | awk '/libjemalloc|libmimalloc/ {print $3; exit}')
[[ -n $lib ]] || lib=$(ldd "$COFFER" | awk '/libc\.so/ {print $3; exit}')
echo "== allocator: $lib"
probe() {  # symbol, event name: a uprobe at the symbol's address (perf cannot name C++ symbols)
  local addr
  addr=$(nm -D --defined-only "$lib" | awk -v s="$1" '$3 == s {print $1; exit}')
  [[ -n $addr ]] || return 0
  perf probe -q -d "probe_coffer_allocs:$2" 2>/dev/null || true
  perf probe -q -x "$lib" --add "probe_coffer_allocs:$2=0x$addr" > /dev/null
  events+=("probe_coffer_allocs:$2")
}
probe malloc malloc
probe calloc calloc
probe realloc realloc
probe _Znwm new
probe _Znam new_array
probe _ZnwmRKSt9nothrow_t new_nothrow

source "$(dirname "$0")/dev_server.sh"
source "$(dirname "$0")/sign_keys.sh"
curl -s --cacert "$ca" -H "Authorization: Bearer $tok" -X PUT -H 'Content-Type: application/json' \
  -d '{"value":"benchmark-secret-value-0123456789"}' "$vault/secrets/bench?api-version=7.4" > /dev/null
declare -A script=([GET]="$work/get.lua")
echo 'wrk.path = "/secrets/bench?api-version=7.4"' > "${script[GET]}"
script[ES256]=$(sign_script "$(create bench-ec '{"kty":"EC","crv":"P-256"}')" ES256)
script[RS256]=$(sign_script "$(create bench-rsa '{"kty":"RSA","key_size":2048}')" RS256)

list=$(IFS=,; echo "${events[*]}")
printf '%-8s %9s %9s   %s\n' request requests allocs/req "by entry point"
for kind in GET ES256 RS256; do
  perf stat -x, -e "$list" -p "$coffer_pid" -o "$work/stat.txt" -- \
    wrk -t1 -c4 -d"$DURATION" -s "${script[$kind]}" -H "Authorization: Bearer $tok" "$vault" > "$work/wrk.txt"
  if grep -q "Non-2xx" "$work/wrk.txt"; then echo "ERROR: non-2xx responses" >&2; cat "$work/wrk.txt" >&2; exit 1; fi
  n=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
  awk -F, -v n="$n" -v kind="$kind" '
    /probe_coffer_allocs/ { sub(/.*:/, "", $3); total += $1; parts = parts sprintf(" %s %.1f", $3, $1 / n) }
    END { printf "%-8s %9d %9.1f  %s\n", kind, n, total / n, parts }' "$work/stat.txt"
done
