#!/usr/bin/env bash
# A flood of wrong client secrets against a dev server, and what a well-behaved
# client sees meanwhile (bench/token_flood.py prints the ratios).
#   bash bench/token_flood.sh build/coffer [SECONDS] [FLOODERS]
set -euo pipefail
COFFER=$(realpath "${1:-build/coffer}")
work=$(mktemp -d)
trap 'kill $coffer_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
source "$(dirname "$0")/dev_server.sh"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p')"
/usr/bin/python3 "$(dirname "$0")/token_flood.py" "$port" "$ca" "$dev" "$coffer_pid" "${2:-8}" "${3:-48}"
