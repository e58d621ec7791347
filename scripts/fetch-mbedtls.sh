#!/usr/bin/env bash
# Fetch mbedTLS's source from Debian 12's `mbedtls` source package (the release that
# libmbedtls-dev is built from) into a cache outside git, with a private apt state that
# leaves the system's sources alone, as scripts/fetch-quickjs.sh does. The cross builds
# (scripts/cross.sh) compile it for each target: Debian 12 has no libmbedtls-dev for
# big-endian MIPS or for musl. Prints the directory holding include/ and library/.
#
# Env: X0_CACHE (default ~/.cache/x0tta6bl4).
set -euo pipefail
cache="${X0_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/x0tta6bl4}"
dest="$cache/mbedtls"
log() { printf 'fetch-mbedtls: %s\n' "$*" >&2; }

if [ -f "$dest/src/include/mbedtls/version.h" ] && [ -f "$dest/VERSION" ]; then
  echo "$dest/src"; exit 0
fi

command -v apt-get >/dev/null || { log "apt-get is required (Debian) to fetch mbedtls"; exit 1; }
work="$cache/apt-bookworm-src"
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/dl"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || { log "missing $keyring (apt-get install debian-archive-keyring)"; exit 1; }
printf 'deb-src [signed-by=%s] http://deb.debian.org/debian bookworm main\n' "$keyring" > "$work/sources.list"
opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives"
      -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=" -o Debug::NoLocking=1
      -o APT::Sandbox::User=root)
log "reading Debian 12's source index (private apt state in $work)"
apt-get "${opts[@]}" -qq update
log "downloading the mbedtls source package"
( cd "$work/dl" && rm -f mbedtls_* && apt-get "${opts[@]}" -qq source --download-only mbedtls )
orig=$(find "$work/dl" -maxdepth 1 -name 'mbedtls_*.orig.tar.*' | head -n1)
[ -n "$orig" ] || { log "no mbedtls orig tarball downloaded"; exit 1; }
rm -rf "$dest.tmp"; mkdir -p "$dest.tmp/x"
tar -xf "$orig" -C "$dest.tmp/x"
srcdir=$(dirname "$(dirname "$(dirname "$(find "$dest.tmp/x" -path '*/include/mbedtls/version.h' | head -n1)")")")
[ -f "$srcdir/library/Makefile" ] || { log "no library/Makefile in $orig"; exit 1; }
mv "$srcdir" "$dest.tmp/src"
ver=$(sed -n 's/^#define MBEDTLS_VERSION_STRING *"\([0-9.]*\)".*/\1/p' "$dest.tmp/src/include/mbedtls/version.h")
echo "$ver" > "$dest.tmp/VERSION"; basename "$orig" > "$dest.tmp/ORIG"
rm -rf "$dest.tmp/x" "$dest"; mv "$dest.tmp" "$dest"
log "mbedTLS $ver in $dest/src"
echo "$dest/src"
