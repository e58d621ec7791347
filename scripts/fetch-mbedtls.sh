#!/usr/bin/env bash
# Fetch mbedTLS's source from Debian 12's `mbedtls` source package (the release that
# libmbedtls-dev is built from) into a cache outside git, with a private apt state that
# leaves the system's sources alone (scripts/lib/fetch-debian-source.sh). The cross
# builds (scripts/cross.sh) compile it for each target: Debian 12 has no libmbedtls-dev
# for big-endian MIPS or for musl. Prints the directory holding include/ and library/.
#
# Env: X0_CACHE (default ~/.cache/x0tta6bl4).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/fetch-debian-source.sh
. "$(dirname "$0")/lib/fetch-debian-source.sh"
export LOG_NAME=fetch-mbedtls
cache="${X0_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/x0tta6bl4}"
dest="$cache/mbedtls"

if [ -f "$dest/src/include/mbedtls/version.h" ] && [ -f "$dest/VERSION" ]; then
  echo "$dest/src"; exit 0
fi

work="$cache/apt-bookworm-src"
apt_private_init "$work" "deb-src bookworm main"
fetch_log "downloading the mbedtls source package"
orig=$(download_source mbedtls "$work/dl") || { fetch_log "no mbedtls orig tarball downloaded"; exit 1; }
rm -rf "$dest.tmp"; mkdir -p "$dest.tmp/x"
tar -xf "$orig" -C "$dest.tmp/x"
srcdir=$(dirname "$(dirname "$(dirname "$(find "$dest.tmp/x" -path '*/include/mbedtls/version.h' | head -n1)")")")
[ -f "$srcdir/library/Makefile" ] || { fetch_log "no library/Makefile in $orig"; exit 1; }
mv "$srcdir" "$dest.tmp/src"
ver=$(sed -n 's/^#define MBEDTLS_VERSION_STRING *"\([0-9.]*\)".*/\1/p' "$dest.tmp/src/include/mbedtls/version.h")
echo "$ver" > "$dest.tmp/VERSION"; basename "$orig" > "$dest.tmp/ORIG"
rm -rf "$dest.tmp/x"; replace_dir "$dest.tmp" "$dest"
fetch_log "mbedTLS $ver in $dest/src"
echo "$dest/src"
