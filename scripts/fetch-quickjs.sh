#!/usr/bin/env bash
# Fetch quickjs-ng's C source from Debian unstable's `qjs-src` package into a cache
# outside git, with a private apt state that leaves the system's sources alone
# (scripts/lib/fetch-debian-source.sh). Prints the directory holding quickjs.c.
#
# It also records the orig tarball of Debian's `quickjs-ng` source package, the one
# qjs-src is built from and the one the OpenWrt feed pins (packages-openwrt/feed): its
# name in ORIG and its sha256 from Debian's signed Sources index in ORIG_SHA256, and it
# keeps the tarball itself next to them when the archive serves it (checked against
# that sha256). The build needs none of this: a failure there is logged, not fatal.
#
# Env: X0_CACHE (default ~/.cache/x0tta6bl4), QJS_MIN_VERSION (default 0.17.0).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/fetch-debian-source.sh
. "$(dirname "$0")/lib/fetch-debian-source.sh"
export LOG_NAME=fetch-quickjs
cache="${X0_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/x0tta6bl4}"
min="${QJS_MIN_VERSION:-0.17.0}"
dest="$cache/quickjs-ng"
work="$cache/apt-sid"

# ORIG, ORIG_SHA256 and (when served) the tarball, for the Debian version in $dest.
# Tried once per fetched source (ORIG_TRIED; delete it to try again), so that a build
# without network does not ask Debian's archive each time.
record_orig() {
  local ver name sha got
  : > "$dest/ORIG_TRIED"
  ver=$(cat "$dest/DEBIAN_VERSION")
  read -r name sha < <(orig_from_index quickjs-ng "$ver") || true
  [ -n "${sha:-}" ] || { fetch_log "quickjs-ng $ver is not in Debian's source index: no ORIG_SHA256"; return 0; }
  if got=$(download_source "quickjs-ng=$ver" "$work/dl-src" 2>/dev/null) && sha256_matches "$got" "$sha"; then
    cp "$got" "$dest/$name.tmp" && mv "$dest/$name.tmp" "$dest/$name"
    fetch_log "kept $name (sha256 $sha) in $dest"
  else
    fetch_log "$name: Debian's archive did not serve it here; its sha256 ($sha) is from the signed index"
  fi
  echo "$name" > "$dest/ORIG.tmp" && mv "$dest/ORIG.tmp" "$dest/ORIG"
  echo "$sha" > "$dest/ORIG_SHA256.tmp" && mv "$dest/ORIG_SHA256.tmp" "$dest/ORIG_SHA256"
}

if [ -f "$dest/src/quickjs.c" ] && [ -f "$dest/VERSION" ] && [ -f "$dest/copyright" ]; then
  if [ ! -f "$dest/ORIG_SHA256" ] && [ ! -f "$dest/ORIG_TRIED" ]; then
    ( apt_private_init "$work" "deb sid main" "deb-src sid main" && record_orig ) || fetch_log "could not record the orig tarball (the build does not need it)"
  fi
  echo "$dest/src"; exit 0
fi

apt_private_init "$work" "deb sid main" "deb-src sid main"
ver=$(apt-cache "${APT_OPTS[@]}" show qjs-src 2>/dev/null | awk '/^Version:/{print $2; exit}')
[ -n "$ver" ] || { fetch_log "qjs-src not found in Debian unstable"; exit 1; }
fetch_log "downloading qjs-src $ver"
( cd "$work/dl" && rm -f qjs-src_*.deb && apt-get "${APT_OPTS[@]}" -qq download "qjs-src=$ver" )
rm -rf "$dest.tmp"; mkdir -p "$dest.tmp/x"
dpkg -x "$work"/dl/qjs-src_*.deb "$dest.tmp/x"
srcdir=$(dirname "$(find "$dest.tmp/x" -name quickjs.c | head -n1)")
[ -f "$srcdir/quickjs.c" ] || { fetch_log "qjs-src has no quickjs.c"; exit 1; }
upstream=$(sed -n 's/^#define QJS_VERSION_MAJOR \([0-9]*\).*/\1/p;s/^#define QJS_VERSION_MINOR \([0-9]*\).*/\1/p;s/^#define QJS_VERSION_PATCH \([0-9]*\).*/\1/p' "$srcdir/quickjs.h" | paste -sd.)
[ -n "$upstream" ] || upstream="${ver%%-*}"
if [ "$(printf '%s\n%s\n' "$min" "$upstream" | sort -V | head -n1)" != "$min" ]; then
  fetch_log "quickjs-ng $upstream is older than the required $min"; exit 1
fi
mv "$srcdir" "$dest.tmp/src"
# The MIT notice that must travel with every binary built from this source.
cp "$dest.tmp/x/usr/share/doc/qjs-src/copyright" "$dest.tmp/copyright"
rm -rf "$dest.tmp/x"
echo "$upstream" > "$dest.tmp/VERSION"; echo "$ver" > "$dest.tmp/DEBIAN_VERSION"
replace_dir "$dest.tmp" "$dest"
record_orig
fetch_log "quickjs-ng $upstream (Debian $ver) in $dest/src"
echo "$dest/src"
