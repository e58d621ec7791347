# shellcheck shell=bash
# The steps our fetch scripts share (fetch-quickjs.sh, fetch-mbedtls.sh,
# check-mbedtls36.sh): a private apt state that leaves the system's sources alone, a
# source package's orig tarball with the sha256 Debian's signed index gives for it,
# and an unpack that replaces a cache directory in one rename.
#
# Source it, then set LOG_NAME (the prefix of log lines) and call the functions below.
# They need `set -euo pipefail` in the caller and report failures on stderr.

DEBIAN_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

fetch_log() { printf '%s: %s\n' "${LOG_NAME:-fetch}" "$*" >&2; }

# apt_private_init WORK "deb sid main" ["deb-src sid main" ...]
# Writes WORK/sources.list with those lines (Debian's archive, signed by Debian's
# keyring), sets the array APT_OPTS that points apt-get and apt-cache at WORK, and reads
# the index (apt-get update; apt checks the InRelease signature).
apt_private_init() {
  local work=$1 line type suite component; shift
  command -v apt-get >/dev/null || { fetch_log "apt-get is required (Debian)"; return 1; }
  [ -f "$DEBIAN_KEYRING" ] || { fetch_log "missing $DEBIAN_KEYRING (apt-get install debian-archive-keyring)"; return 1; }
  mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/dl"
  for line in "$@"; do
    read -r type suite component <<< "$line"
    printf '%s [signed-by=%s] http://deb.debian.org/debian %s %s\n' "$type" "$DEBIAN_KEYRING" "$suite" "$component"
  done > "$work/sources.list"
  APT_OPTS=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives"
            -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=" -o Debug::NoLocking=1
            -o APT::Sandbox::User=root)
  fetch_log "reading Debian's package index (private apt state in $work)"
  apt-get "${APT_OPTS[@]}" -qq update
}

# orig_from_index PKG [VERSION] -> "NAME SHA256" of the source package's orig tarball,
# from the Checksums-Sha256 of the (signed) Sources index; nothing when not found.
orig_from_index() {
  apt-cache "${APT_OPTS[@]}" showsrc "$1" 2>/dev/null | awk -v want="${2:-}" '
    /^Version:/ { ver = $2; take = (want == "" || ver == want) }
    /^Checksums-Sha256:/ { inside = 1; next }
    /^[^ ]/ { inside = 0 }
    inside && take && $3 ~ /\.orig\.tar\./ { print $3, $1; exit }'
}

# download_source PKG[=VERSION] DIR -> the path of the orig tarball apt-get source
# downloaded (apt checks it against the index); fails when the archive does not serve it.
download_source() {
  local pkg=$1 dir=$2 name=${1%%=*}
  mkdir -p "$dir"
  ( cd "$dir" && rm -f "${name}"_* && apt-get "${APT_OPTS[@]}" -qq source --download-only "$pkg" ) || return 1
  find "$dir" -maxdepth 1 -name "${name}_*.orig.tar.*" | head -n1 | grep .
}

# sha256_matches FILE SHA256
sha256_matches() {
  [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]
}

# replace_dir TMP DEST: DEST becomes TMP (what was there is removed first).
replace_dir() {
  rm -rf "$2"; mv "$1" "$2"
}
