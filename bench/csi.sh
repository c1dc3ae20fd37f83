#!/usr/bin/env bash
# CSI provider benchmark (not a test): in one run, on this machine,
#  1. reference: GET of one secret straight from Coffer (wrk, HTTPS keep-alive, PARALLEL connections);
#  2. Mounts of a SecretProviderClass holding that secret, through `coffer csi-provider` on a unix
#     socket (the C++ fake driver, PARALLEL callers × REPEAT mounts each; token cached, one GET each).
# Prints mounts/s, GETs/s and their ratio: what a rotation poll costs over the bare read it needs.
# Usage: bench/csi.sh [path/to/coffer] [path/to/csi_fake_driver]
set -euo pipefail
COFFER=${1:-build/coffer}
DRIVER=${2:-build/csi_fake_driver}
DURATION=${DURATION:-10s}
PARALLEL=${PARALLEL:-8}
REPEAT=${REPEAT:-1000}
work=$(mktemp -d /tmp/coffer-bench-csi.XXXXXX)
cleanup() { kill "$coffer_pid" "$provider_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
source "$(dirname "$0")/dev_server.sh"
url="https://dev.vault.localhost:$port/secrets/bench/?api-version=7.4"
curl -s --cacert "$ca" -H "Authorization: Bearer $tok" -X PUT -H 'Content-Type: application/json' \
  -d '{"value":"benchmark-secret-value-0123456789"}' "https://dev.vault.localhost:$port/secrets/bench?api-version=7.4" > /dev/null

"$COFFER" csi-provider --endpoint "unix://$work/coffer.sock" --vault-dns-suffix "vault.localhost:$port" \
  --authority-host "https://localhost:$port" --ca-file "$ca" --healthz-port 0 --prometheus-port 0 > "$work/provider.log" 2>&1 &
provider_pid=$!
for _ in $(seq 100); do [[ -S "$work/coffer.sock" ]] && break; sleep 0.1; done

/usr/bin/python3 - "$dev" "$PARALLEL" "$REPEAT" > "$work/request.json" <<'PY'
import json, sys
dev = json.load(open(sys.argv[1]))
objects = "array:\n  - |\n    objectName: bench\n    objectType: secret\n"
print(json.dumps({"attributes": {"keyvaultName": "dev", "tenantID": dev["tenantId"], "objects": objects,
                                 "csi.storage.k8s.io/pod.name": "bench", "csi.storage.k8s.io/pod.namespace": "default"},
                  "secrets": {"clientid": dev["clientId"], "clientsecret": dev["clientSecret"]},
                  "permission": "420", "parallel": int(sys.argv[2]), "repeat": int(sys.argv[3])}))
PY

echo "== reference: wrk -t2 -c$PARALLEL -d$DURATION GET of the secret from Coffer"
wrk -t2 -c"$PARALLEL" -d"$DURATION" -H "Authorization: Bearer $tok" "$url" | tee "$work/wrk.txt"
if grep -q "Non-2xx" "$work/wrk.txt"; then echo "ERROR: non-2xx responses" >&2; exit 1; fi
gets=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")

echo "== $PARALLEL callers × $REPEAT Mounts through the provider"
"$DRIVER" --socket "$work/coffer.sock" mount < "$work/request.json" > "$work/mount.json"
/usr/bin/python3 - "$work/mount.json" "$gets" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["error"] == "" and r["parallel_identical"], r
gets = float(sys.argv[2])
print(f"mounts: {r['mounts']}  mounts/s: {r['mounts_per_second']:.0f}  Coffer GETs/s: {gets:.0f}  "
      f"ratio mounts/GETs: {r['mounts_per_second'] / gets:.2f}")
PY
