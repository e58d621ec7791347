#!/usr/bin/env bash
# Build SPIRE's spire-server and spire-agent from the Go module proxy into a cache
# outside git, for the tests that run against a real SPIRE server. SPIRE's go.mod has
# replace directives, so `go install path@version` is refused; we build inside a
# throwaway module that requires github.com/spiffe/spire at a fixed version.
# Prints the directory holding both binaries.
#
# Env: X0_CACHE (default ~/.cache/x0tta6bl4), SPIRE_VERSION (default v1.13.3),
#      GO (default go). Runs the compiler under `nice -n 15` (2 shared cores).
set -euo pipefail
cache="${X0_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/x0tta6bl4}"
ver="${SPIRE_VERSION:-v1.13.3}"
gobin="${GO:-go}"
dest="$cache/spire-$ver"
log() { printf 'fetch-spire: %s\n' "$*" >&2; }

if [ -x "$dest/spire-server" ] && [ -x "$dest/spire-agent" ]; then
  echo "$dest"; exit 0
fi
command -v "$gobin" >/dev/null || { log "Go is required to build SPIRE (scripts/setup.sh installs it)"; exit 1; }
work="$cache/spire-build-$ver"
rm -rf "$work"; mkdir -p "$work"
cd "$work"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false" GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" CGO_ENABLED="${CGO_ENABLED:-1}"
log "building spire-server and spire-agent $ver from the Go module proxy in $work (takes many minutes on 2 cores)"
"$gobin" mod init x0tta6bl4.local/spire-build >/dev/null 2>&1
# Getting the two command packages (not just the module) records every dependency's
# checksum in go.sum.
log "go get github.com/spiffe/spire/cmd/{spire-server,spire-agent}@$ver"
nice -n 15 "$gobin" get "github.com/spiffe/spire/cmd/spire-server@$ver" "github.com/spiffe/spire/cmd/spire-agent@$ver"
mkdir -p "$dest.tmp"
for cmd in spire-server spire-agent; do
  log "go build $cmd"
  nice -n 15 "$gobin" build -trimpath -ldflags='-s -w' -o "$dest.tmp/$cmd" "github.com/spiffe/spire/cmd/$cmd"
done
echo "$ver" > "$dest.tmp/VERSION"
rm -rf "$dest"; mv "$dest.tmp" "$dest"
rm -rf "$work"
log "spire $ver in $dest"
echo "$dest"
