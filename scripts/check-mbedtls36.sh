#!/usr/bin/env bash
# The runtime against mbedTLS 3.6 (OpenWrt 24.10's series), next to the default build
# against Debian 12's 2.28: fetch Debian unstable's `mbedtls` source package (a private
# apt state; the system's sources are left alone), build its static libraries with the
# upstream default configuration (TLS 1.3 on) in build/mbedtls-3.6, build the runtime
# against them in build/tls36, and run the unit and native suites on that binary.
# Not part of `npm test` (it downloads and compiles for several minutes).
#   bash scripts/check-mbedtls36.sh [--no-tests]
# Env: X0_CACHE (default ~/.cache/x0tta6bl4).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source-path=SCRIPTDIR source=lib/fetch-debian-source.sh
. "$root/scripts/lib/fetch-debian-source.sh"
export LOG_NAME=check-mbedtls36
log() { fetch_log "$@"; }
cache="${X0_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/x0tta6bl4}"
work="$cache/apt-sid-src"

orig=$(find "$work/dl" -maxdepth 1 -name 'mbedtls_3.6.*.orig.tar.*' 2>/dev/null | head -n1 || true)
if [ -z "$orig" ]; then
  apt_private_init "$work" "deb-src sid main"
  download_source mbedtls "$work/dl" >/dev/null || { log "no mbedtls source package downloaded"; exit 1; }
  orig=$(find "$work/dl" -maxdepth 1 -name 'mbedtls_3.6.*.orig.tar.*' | head -n1)
  [ -n "$orig" ] || { log "Debian unstable's mbedtls is not 3.6.x any more: $(ls "$work/dl")"; exit 1; }
fi

mb="$root/build/mbedtls-3.6"
if [ ! -f "$mb/library/libmbedtls.a" ] || [ ! -f "$mb/ORIG" ] || [ "$(cat "$mb/ORIG")" != "$(basename "$orig")" ]; then
  log "building $(basename "$orig") (static, default configuration) in $mb"
  rm -rf "$mb" && mkdir -p "$mb"
  tar -xf "$orig" -C "$mb" --strip-components=1
  nice -n 15 make -s -C "$mb/library" -j"$(nproc)" CFLAGS=-O2 static >/dev/null
  basename "$orig" > "$mb/ORIG"
fi
log "mbedTLS $(sed -n 's/^#define MBEDTLS_VERSION_STRING *"\([0-9.]*\)".*/\1/p' "$mb/include/mbedtls/build_info.h")"

# The agent's bundle as `npm run build` makes it, in this build's directory (dist/ is not touched).
mkdir -p build/tls36
node --input-type=module -e 'const { buildQuickjsAgent } = await import(process.argv[1]); await buildQuickjsAgent(process.argv[2]);' \
  "$root/esbuild.config.mjs" "$root/build/tls36/x0tta6bl4.js"
nice -n 15 make -s -C runtime/native CC="cc -isystem $mb/include -L$mb/library" \
  BUILD="$root/build/tls36" OUT="$root/build/tls36/x0tta6bl4" BUNDLE="$root/build/tls36/x0tta6bl4.js"
log "built build/tls36/x0tta6bl4 (mbedTLS linked statically)"
[ "${1:-}" = "--no-tests" ] && exit 0
X0_TEST_BINARY="$root/build/tls36/x0tta6bl4" node tests/run.mjs --unit --no-build
