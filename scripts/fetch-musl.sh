#!/usr/bin/env bash
# Fetch musl's source from Debian 12's `musl` source package (1.2.3, the release
# musl-tools is built from) into a cache outside git, with a private apt state that
# leaves the system's sources alone (scripts/lib/fetch-debian-source.sh). The cross
# builds (scripts/cross.sh) compile it for big-endian MIPS: Debian has musl-gcc only for
# the host's CPU and no musl for big-endian MIPS at all. Prints the source directory.
#
# Env: X0_CACHE (default ~/.cache/x0tta6bl4).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/fetch-debian-source.sh
. "$(dirname "$0")/lib/fetch-debian-source.sh"
export LOG_NAME=fetch-musl
cache="${X0_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/x0tta6bl4}"
dest="$cache/musl"

if [ -f "$dest/src/configure" ] && [ -f "$dest/src/VERSION" ]; then
  echo "$dest/src"; exit 0
fi

work="$cache/apt-bookworm-src"
apt_private_init "$work" "deb-src bookworm main"
fetch_log "downloading the musl source package"
orig=$(download_source musl "$work/dl") || { fetch_log "no musl orig tarball downloaded"; exit 1; }
rm -rf "$dest.tmp"; mkdir -p "$dest.tmp/x"
tar -xf "$orig" -C "$dest.tmp/x"
srcdir=$(dirname "$(find "$dest.tmp/x" -maxdepth 2 -name VERSION -path '*/musl*' | head -n1)")
[ -f "$srcdir/configure" ] || { fetch_log "no configure in $orig"; exit 1; }
mv "$srcdir" "$dest.tmp/src"
basename "$orig" > "$dest.tmp/ORIG"
rm -rf "$dest.tmp/x"; replace_dir "$dest.tmp" "$dest"
fetch_log "musl $(cat "$dest/src/VERSION") in $dest/src"
echo "$dest/src"
