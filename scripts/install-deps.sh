#!/usr/bin/env bash
# Installs Coffer's build and test dependencies from Debian bookworm packages.
# Idempotent: packages already present are skipped, so a second run costs one dpkg query.
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev libspdlog-dev libfmt-dev libcli11-dev libgtest-dev libargon2-dev
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libyaml-cpp-dev libpq-dev
  libp11-kit-dev  # pkcs11.h for the HSM seal (the module is dlopen'ed, never linked)
  libjemalloc-dev  # the server's allocator (release builds: docs/design.md, "Allocator")
)
TEST_PKGS=(
  python3-azure python3-yaml azure-cli libnss-myhostname openssl curl procps postgresql-15
  softhsm2  # a PKCS#11 token for the HSM seal's tests
  chromium   # the web console's browser tests (driven by npm's playwright-core, tests/integration/test_console.py)
  clang-14 libclang-rt-14-dev clang-format-14  # `make sanitize` (ASan+UBSan, libFuzzer, lock analysis), `make format-check`
)
BENCH_PKGS=(nginx-light wrk linux-perf)

want=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}")
[[ "${1:-}" == "--bench" ]] && want+=("${BENCH_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# node and npm run tests/integration/test_npm_sdks.py (the Azure SDKs for JavaScript). Checked by
# command, not by package: a NodeSource nodejs (which bundles npm) must not get Debian's npm.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install-deps: installing nodejs npm"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

# libnss-myhostname resolves *.localhost to loopback only when listed in nsswitch.conf.
if ! grep -Eq '^hosts:.*myhostname' /etc/nsswitch.conf 2>/dev/null; then
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO sed -i -E 's/^(hosts:.*)$/\1 myhostname/' /etc/nsswitch.conf
fi
