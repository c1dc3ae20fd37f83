#!/usr/bin/env bash
# Key-operation benchmark (not a test), issue #4: RSA-2048 and EC P-256 sign
# operations per second through the HTTPS API (wrk, keep-alive, many
# connections) against `openssl speed -multi <cores>` measured in the same run.
# Prints both ratios, and the ceiling this machine puts on them: nginx serving a
# sign answer over TLS with the same wrk settings, divided by openssl's rate (no
# request, however cheap, can sign faster than a static answer is served).
# With each API row: the server's own CPU during the run (from /proc), and
# what its signs per CPU-second are to openssl's per CPU-second — the ratio
# with wrk's share of the cores taken out (wrk runs on the same machine).
# HSM row (issue 15), when SoftHSM2 is installed and pkcs11_speed is built
# next to coffer (`make bench` builds it): RSA-2048 sign with an RSA-HSM key
# through the API against SoftHSM2's own rate (pkcs11_speed: raw C_Sign on a
# token key in <cores> threads), in ROUNDS (default 3) back-to-back pairs —
# SoftHSM's own rate alone moves by ±10% from one run to the next — and the
# median ratio; goal >= 0.8.
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

sign_run() {  # path, alg, output → wrk's report in output, the server's CPU (cores) in output.cpu
  local t0 c0
  t0=$(date +%s.%N); c0=$(cpu_ticks)
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s "$(sign_script "$1" "$2")" -H "Authorization: Bearer $tok" "$vault" > "$3"
  /usr/bin/python3 -c "print(f'{($(cpu_ticks) - $c0) / $(getconf CLK_TCK) / ($(date +%s.%N) - $t0):.3f}')" > "$3.cpu"
  cat "$3"; check "$3"
  echo "server CPU: $(cat "$3.cpu") cores"
}

echo "== API: wrk -t$THREADS -c$CONNS -d$DURATION POST …/sign"
sign_run "$rsa_path" RS256 "$work/rsa.txt"
sign_run "$ec_path" ES256 "$work/ec.txt"


echo "== nginx: a P-256 sign answer as a static file, same wrk settings"
curl -s --cacert "$ca" -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' -X POST \
  -d "{\"alg\":\"ES256\",\"value\":\"$digest\"}" "$vault$ec_path/sign?api-version=7.4" > "$work/sign-answer.json"
nginx_body="$work/sign-answer.json"
source "$(dirname "$0")/nginx.sh"
wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "https://localhost:$nport/sign" > "$work/nginx.txt"
cat "$work/nginx.txt"; check "$work/nginx.txt"

echo "== openssl speed -multi $(nproc) rsa2048 ecdsap256"
openssl speed -multi "$(nproc)" -seconds 5 rsa2048 ecdsap256 2>/dev/null > "$work/speed.txt"
tail -4 "$work/speed.txt"
ossl_rsa=$(awk '/^rsa 2048 bits/ {print $(NF-1)}' "$work/speed.txt")
ossl_ec=$(awk '/ecdsa \(nistp256\)/ {print $(NF-1)}' "$work/speed.txt")
api_rsa=$(rps "$work/rsa.txt")
api_ec=$(rps "$work/ec.txt")
nginx_rps=$(rps "$work/nginx.txt")
echo
echo "RSA-2048 sign: API $api_rsa/s, openssl $ossl_rsa/s, ratio $(/usr/bin/python3 -c "print(f'{$api_rsa/$ossl_rsa:.2f}')") (goal >= 0.8)"
echo "P-256 sign   : API $api_ec/s, openssl $ossl_ec/s, ratio $(/usr/bin/python3 -c "print(f'{$api_ec/$ossl_ec:.2f}')") (goal >= 0.6)"
per_cpu() {  # API rate, its output, openssl's rate → the ratio per CPU-second
  /usr/bin/python3 -c "print(f'{($1 / $(cat "$2.cpu")) / ($3 / $(nproc)):.2f}')"
}
echo "per CPU      : the server's signs per CPU-second / openssl's: RSA-2048 $(per_cpu "$api_rsa" "$work/rsa.txt" "$ossl_rsa"), P-256 $(per_cpu "$api_ec" "$work/ec.txt" "$ossl_ec") (wrk's share of the cores left out)"
echo "ceiling      : nginx $nginx_rps answers/s over TLS; / openssl RSA $(/usr/bin/python3 -c "print(f'{min(1, $nginx_rps/$ossl_rsa):.2f}')"), / openssl P-256 $(/usr/bin/python3 -c "print(f'{min(1, $nginx_rps/$ossl_ec):.2f}')")"
echo "               API P-256 sign / nginx: $(/usr/bin/python3 -c "print(f'{$api_ec/$nginx_rps:.2f}')")"
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
    ratio=$(/usr/bin/python3 -c "print(f'{$api_hsm/$hsm_own:.2f}')")
    ratios+=("$ratio")
    echo "round $round: API $api_hsm/s, SoftHSM2 itself $hsm_own/s, ratio $ratio"
  done
  echo "RSA-HSM sign : median ratio $(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') of ${ratios[*]} (goal >= 0.8)"
else
  echo "RSA-HSM sign : skipped (SoftHSM2 or $PKCS11_SPEED missing)"
fi
