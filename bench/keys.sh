#!/usr/bin/env bash
# Key-operation benchmark (not a test), issue #4: RSA-2048 and EC P-256 sign
# operations per second through the HTTPS API (wrk, keep-alive, many
# connections) against `openssl speed -multi <cores>`, in ROUNDS (default 3)
# back-to-back pairs per algorithm — on a shared virtual machine openssl's own
# rate moves by 10-20 % from one minute to the next, so each API run is paired
# with an openssl run right after it — and the median of each algorithm's
# ratios. With each API run: the server's own CPU (from /proc), and its signs
# per CPU-second against openssl's per CPU-second, the ratio with wrk's share
# of the cores left out (wrk runs on the same machine).
# Also prints the ceiling this machine puts on the ratios: nginx serving a
# sign answer over TLS with the same wrk settings, divided by openssl's rate (no
# request, however cheap, can sign faster than a static answer is served).
# HSM row (issue 15), when SoftHSM2 is installed and pkcs11_speed is built
# next to coffer (`make bench` builds it): RSA-2048 sign with an RSA-HSM key
# through the API against SoftHSM2's own rate (pkcs11_speed: raw C_Sign on a
# token key in <cores> threads), in ROUNDS back-to-back pairs — SoftHSM's own
# rate alone moves by ±10% from one run to the next — and the median ratio;
# goal >= 0.8.
# Usage: bench/keys.sh [path/to/coffer]
set -euo pipefail
COFFER=${1:-build/coffer}
SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
PKCS11_SPEED=$(dirname "$COFFER")/pkcs11_speed
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
work=$(mktemp -d /tmp/coffer-keybench.XXXXXX)
cleanup() { kill "$coffer_pid" "${nginx_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

hsm=0
if [[ -e $SOFTHSM && -x $PKCS11_SPEED ]] && command -v softhsm2-util > /dev/null; then
  hsm=1
  mkdir -p "$work/tokens"
  printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$work/tokens" > "$work/softhsm2.conf"
  export SOFTHSM2_CONF=$work/softhsm2.conf COFFER_HSM_LIB=$SOFTHSM COFFER_HSM_TOKEN_LABEL=coffer-bench COFFER_HSM_PIN=1234
  softhsm2-util --init-token --free --label coffer-bench --so-pin 87654321 --pin 1234 > /dev/null
fi
source "$(dirname "$0")/dev_server.sh"
source "$(dirname "$0")/sign_keys.sh"
rsa_path=$(create bench-rsa '{"kty":"RSA","key_size":2048}')
ec_path=$(create bench-ec '{"kty":"EC","crv":"P-256"}')

check() { if grep -q "Non-2xx" "$1"; then echo "ERROR: non-2xx responses in $1" >&2; cat "$1" >&2; exit 1; fi; }
rps() { awk '/Requests\/sec/ {print $2}' "$1"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$coffer_pid/stat"; }
py() { /usr/bin/python3 -c "print($1)"; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

sign_run() {  # path, alg, output → wrk's report in output; prints the server's CPU in cores
  local t0 c0
  t0=$(date +%s.%N); c0=$(cpu_ticks)
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s "$(sign_script "$1" "$2")" -H "Authorization: Bearer $tok" "$vault" > "$3"
  check "$3"
  py "f'{($(cpu_ticks) - $c0) / $(getconf CLK_TCK) / ($(date +%s.%N) - $t0):.3f}'"
}

openssl_rate() {  # openssl speed's algorithm name, the line's pattern → signs/s on every core
  openssl speed -multi "$(nproc)" -seconds "${DURATION%s}" "$1" 2>/dev/null | awk -v re="$2" '$0 ~ re {print $(NF-1)}'
}

declare -A sign_ratios per_cpu
echo "== $ROUNDS rounds of (API: wrk -t$THREADS -c$CONNS -d$DURATION POST …/sign, then openssl speed -multi $(nproc)), per algorithm"
for round in $(seq "$ROUNDS"); do
  for alg in RS256 ES256; do
    if [[ $alg == RS256 ]]; then path=$rsa_path name=rsa2048 re='^rsa 2048 bits'; else path=$ec_path name=ecdsap256 re='ecdsa \\(nistp256\\)'; fi
    cpu=$(sign_run "$path" "$alg" "$work/$alg.txt")
    api=$(rps "$work/$alg.txt")
    own=$(openssl_rate "$name" "$re")
    ratio=$(py "f'{$api / $own:.2f}'")
    cpu_ratio=$(py "f'{($api / $cpu) / ($own / $(nproc)):.2f}'")
    sign_ratios[$alg]+="$ratio "
    per_cpu[$alg]+="$cpu_ratio "
    echo "round $round $alg: API $api/s (server CPU $cpu cores), openssl $own/s; ratio $ratio, per CPU-second $cpu_ratio"
  done
  last_ec_rate=$own
done
summary() {  # alg, label, goal
  # shellcheck disable=SC2086
  echo "$2: median ratio $(median ${sign_ratios[$1]}) of ${sign_ratios[$1]}(goal >= $3); per CPU-second $(median ${per_cpu[$1]}) of ${per_cpu[$1]}"
}

echo "== nginx: a P-256 sign answer as a static file, same wrk settings"
curl -s --cacert "$ca" -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' -X POST \
  -d "{\"alg\":\"ES256\",\"value\":\"$digest\"}" "$vault$ec_path/sign?api-version=7.4" > "$work/sign-answer.json"
nginx_body="$work/sign-answer.json"
source "$(dirname "$0")/nginx.sh"
wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "https://localhost:$nport/sign" > "$work/nginx.txt"
cat "$work/nginx.txt"; check "$work/nginx.txt"

nginx_rps=$(rps "$work/nginx.txt")
echo
summary RS256 "RSA-2048 sign" 0.8
summary ES256 "P-256 sign   " 0.6
echo "ceiling      : nginx $nginx_rps answers/s over TLS / openssl's last P-256 rate: $(py "f'{min(1, $nginx_rps / $last_ec_rate):.2f}'"); API P-256 sign / nginx: $(py "f'{$(rps "$work/ES256.txt") / $nginx_rps:.2f}'")"
if [[ $hsm == 1 ]]; then
  echo "== RSA-HSM: $ROUNDS pairs of (wrk on an RSA-HSM key, pkcs11_speed with $(nproc) threads), $DURATION each"
  hsm_path=$(create bench-rsa-hsm '{"kty":"RSA-HSM","key_size":2048}')
  hsm_script=$(sign_script "$hsm_path" RS256)
  ratios=()
  for round in $(seq "$ROUNDS"); do
    wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s "$hsm_script" -H "Authorization: Bearer $tok" "$vault" > "$work/hsm.txt"
    check "$work/hsm.txt"
    api_hsm=$(rps "$work/hsm.txt")
    hsm_own=$("$PKCS11_SPEED" "$SOFTHSM" coffer-bench 1234 "$(nproc)" "${DURATION%s}")
    ratio=$(py "f'{$api_hsm / $hsm_own:.2f}'")
    ratios+=("$ratio")
    echo "round $round: API $api_hsm/s, SoftHSM2 itself $hsm_own/s, ratio $ratio"
  done
  echo "RSA-HSM sign : median ratio $(median "${ratios[@]}") of ${ratios[*]} (goal >= 0.8)"
else
  echo "RSA-HSM sign : skipped (SoftHSM2 or $PKCS11_SPEED missing)"
fi
