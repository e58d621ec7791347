#!/usr/bin/env bash
# Prepare a Debian machine to build and test x0tta6bl4, saying what it does:
# Debian packages that are missing (as root), npm dependencies, quickjs-ng's
# source (Debian unstable's qjs-src, cached outside git) and the runtime build.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[setup] %s\n' "$*"; }
. scripts/lib/debian-packages.sh

need_pkgs=()
command -v cc >/dev/null 2>&1 || need_pkgs+=(build-essential)
command -v make >/dev/null 2>&1 || need_pkgs+=(make)
[ -f /usr/include/stdio.h ] || need_pkgs+=(libc6-dev)
[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || need_pkgs+=(debian-archive-keyring)
command -v strip >/dev/null 2>&1 || need_pkgs+=(binutils)
# The runtime links mbedTLS (crypto, X.509, TLS; runtime/native/x0_crypto.c, x0_tls.c):
# Debian 12's libmbedtls-dev is 2.28, the version OpenWrt 23.05 ships.
[ -f /usr/include/mbedtls/ssl.h ] || need_pkgs+=(libmbedtls-dev)
# The native tests run Debian's alfred in network namespaces (ip netns) and use
# unshare for a private /dev/log; the benchmarks time whole processes; promtool
# (package prometheus) lints /metrics. Installing prometheus enables its service:
# where systemd runs, a Prometheus server then listens on :9090 (check with
# ss -ltn; stop it with systemctl disable --now prometheus). The tests need only promtool.
command -v alfred >/dev/null 2>&1 || need_pkgs+=(alfred)
command -v promtool >/dev/null 2>&1 || need_pkgs+=(prometheus)
command -v ip >/dev/null 2>&1 || need_pkgs+=(iproute2)
command -v unshare >/dev/null 2>&1 || need_pkgs+=(util-linux)
[ -x /usr/bin/time ] || need_pkgs+=(time)
# The OpenWrt package tests check the init script and maintainer scripts with shellcheck.
command -v shellcheck >/dev/null 2>&1 || need_pkgs+=(shellcheck)
# A native TLS test runs the runtime under valgrind: a read of freed memory inside
# libmbedtls, which the ASan build cannot see (tests/native/tls-mbedtls.test.ts).
command -v valgrind >/dev/null 2>&1 || need_pkgs+=(valgrind)
# The identity tests make their certificates (CAs, SVIDs, broken ones) with openssl.
command -v openssl >/dev/null 2>&1 || need_pkgs+=(openssl)
# The protobuf tests compare our encodings with Google's protobuf (Debian's Python module).
[ -f /usr/lib/python3/dist-packages/google/protobuf/__init__.py ] || need_pkgs+=(python3-protobuf)
# The SPIRE tests build spire-server and spire-agent from the Go module proxy
# (scripts/fetch-spire.sh); a Go older than 1.25 (Debian 12's is 1.19) fetches a newer
# toolchain from the proxy first.
command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ] || need_pkgs+=(golang-go)
# The dashboard and LuCI view tests (tests/browser/) drive Debian's Chromium with
# playwright-core (an npm devDependency that downloads no browser of its own).
[ -x /usr/bin/chromium ] || need_pkgs+=(chromium)
# npm run model:eval compares the anomaly model with scikit-learn's Isolation Forest.
/usr/bin/python3 -c 'from sklearn.ensemble import IsolationForest' >/dev/null 2>&1 || need_pkgs+=(python3-sklearn)
install_debian_packages setup "${need_pkgs[@]}" || exit 1

if ! command -v node >/dev/null 2>&1; then
  say "Node.js 20.19 or newer is required (for the build and the tests); none found"
  exit 1
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' || {
  say "Node.js $(node --version) is too old: 20.19 or newer is required"
  exit 1
}

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

qjs_src=$(bash scripts/fetch-quickjs.sh)
say "quickjs-ng $(cat "$qjs_src/../VERSION") source in $qjs_src"
say "building the bundle and the runtime (npm run build)"
npm run -s build
say "built $(./dist/x0tta6bl4 --version)"
# SPIRE for tests/spire/ (10-25 minutes of Go compiling on 2 cores the first time, then
# cached). X0_SETUP_SPIRE=0 skips it (npm run test:unit does not need it).
if [ "${X0_SETUP_SPIRE:-1}" != 0 ]; then
  PATH="$PATH:/usr/local/go/bin"
  say "building spire-server and spire-agent (scripts/fetch-spire.sh; cached after the first time)"
  spire_dir=$(nice -n 15 bash scripts/fetch-spire.sh)
  say "spire-server and spire-agent in $spire_dir"
fi
