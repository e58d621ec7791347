#!/usr/bin/env bash
# Fetch quickjs-ng's C source from Debian unstable's `qjs-src` package into a cache
# outside git, without touching the system's apt sources (a private sources list,
# state and cache directories). Prints the directory holding quickjs.c.
#
# Env: X0_CACHE (default ~/.cache/x0tta6bl4), QJS_MIN_VERSION (default 0.17.0).
set -euo pipefail
cache="${X0_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/x0tta6bl4}"
min="${QJS_MIN_VERSION:-0.17.0}"
dest="$cache/quickjs-ng"
log() { printf 'fetch-quickjs: %s\n' "$*" >&2; }

if [ -f "$dest/src/quickjs.c" ] && [ -f "$dest/VERSION" ] && [ -f "$dest/copyright" ]; then
  echo "$dest/src"; exit 0
fi

command -v apt-get >/dev/null || { log "apt-get is required (Debian) to fetch qjs-src"; exit 1; }
work="$cache/apt-sid"
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/dl"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || { log "missing $keyring (apt-get install debian-archive-keyring)"; exit 1; }
printf 'deb [signed-by=%s] http://deb.debian.org/debian sid main\n' "$keyring" > "$work/sources.list"
opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives"
      -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=" -o Debug::NoLocking=1
      -o APT::Sandbox::User=root)
log "reading Debian unstable's package index (private apt state in $work)"
apt-get "${opts[@]}" -qq update
ver=$(apt-cache "${opts[@]}" show qjs-src 2>/dev/null | awk '/^Version:/{print $2; exit}')
[ -n "$ver" ] || { log "qjs-src not found in Debian unstable"; exit 1; }
log "downloading qjs-src $ver"
( cd "$work/dl" && rm -f qjs-src_*.deb && apt-get "${opts[@]}" -qq download qjs-src )
rm -rf "$dest.tmp"; mkdir -p "$dest.tmp/x"
dpkg -x "$work"/dl/qjs-src_*.deb "$dest.tmp/x"
srcdir=$(dirname "$(find "$dest.tmp/x" -name quickjs.c | head -n1)")
[ -f "$srcdir/quickjs.c" ] || { log "qjs-src has no quickjs.c"; exit 1; }
upstream=$(sed -n 's/^#define QJS_VERSION_MAJOR \([0-9]*\).*/\1/p;s/^#define QJS_VERSION_MINOR \([0-9]*\).*/\1/p;s/^#define QJS_VERSION_PATCH \([0-9]*\).*/\1/p' "$srcdir/quickjs.h" | paste -sd.)
[ -n "$upstream" ] || upstream="${ver%%-*}"
if [ "$(printf '%s\n%s\n' "$min" "$upstream" | sort -V | head -n1)" != "$min" ]; then
  log "quickjs-ng $upstream is older than the required $min"; exit 1
fi
mv "$srcdir" "$dest.tmp/src"
# The MIT notice that must travel with every binary built from this source.
cp "$dest.tmp/x/usr/share/doc/qjs-src/copyright" "$dest.tmp/copyright"
rm -rf "$dest.tmp/x"
echo "$upstream" > "$dest.tmp/VERSION"; echo "$ver" > "$dest.tmp/DEBIAN_VERSION"
rm -rf "$dest"; mv "$dest.tmp" "$dest"
log "quickjs-ng $upstream (Debian $ver) in $dest/src"
echo "$dest/src"
