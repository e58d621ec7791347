#!/usr/bin/env bash
# Build SPIRE's spire-server and spire-agent from the Go module proxy into a cache
# outside git, for the tests that run against a real SPIRE server. SPIRE's go.mod has
# replace directives, so `go install path@version` is refused; we build inside a
# throwaway module that requires github.com/spiffe/spire at a fixed version.
# Prints the directory holding both binaries.
#
# Go: SPIRE v1.13 needs Go >= 1.25. When the `go` found is older (Debian 12's golang-go is
# 1.19), that go downloads the official toolchain as the Go module
# golang.org/toolchain@v0.0.1-go$GO_TOOLCHAIN.linux-<arch> from the Go module proxy
# (checked against sum.golang.org, like any module) into the cache, and builds with it.
#
# Env: X0_CACHE (default ~/.cache/x0tta6bl4), SPIRE_VERSION (default v1.13.3),
#      GO (default go), GO_TOOLCHAIN (default 1.25.4). Runs the compiler under
#      `nice -n 15` (2 shared cores).
set -euo pipefail
cache="${X0_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/x0tta6bl4}"
ver="${SPIRE_VERSION:-v1.13.3}"
gobin="${GO:-go}"
dest="$cache/spire-$ver"
log() { printf 'fetch-spire: %s\n' "$*" >&2; }

if [ -x "$dest/spire-server" ] && [ -x "$dest/spire-agent" ]; then
  echo "$dest"; exit 0
fi
command -v "$gobin" >/dev/null || { log "Go is required to build SPIRE (scripts/setup.sh installs Debian's golang-go)"; exit 1; }
go_ok() { "$1" version 2>/dev/null | grep -Eq 'go1\.(2[5-9]|[3-9][0-9])'; }
if ! go_ok "$gobin"; then
  tc="${GO_TOOLCHAIN:-1.25.4}"
  case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
  tcdir="$cache/go-toolchain-$tc"
  if ! go_ok "$tcdir/bin/go"; then
    log "$("$gobin" version) is older than 1.25: fetching Go $tc as module golang.org/toolchain from the Go module proxy"
    tw="$cache/go-toolchain-dl"; rm -rf "$tw"; mkdir -p "$tw"
    src=$(cd "$tw" && "$gobin" mod init x0tta6bl4.local/toolchain >/dev/null 2>&1 &&
      "$gobin" mod download -json "golang.org/toolchain@v0.0.1-go$tc.linux-$arch" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
    [ -d "$src" ] || { log "could not fetch the Go $tc toolchain"; exit 1; }
    rm -rf "$tcdir"; cp -r "$src" "$tcdir"; chmod -R u+w "$tcdir"; chmod +x "$tcdir"/bin/* "$tcdir"/pkg/tool/*/* 2>/dev/null || true
    rm -rf "$tw"
  fi
  gobin="$tcdir/bin/go"
  export GOROOT="$tcdir"
  log "using $("$gobin" version)"
fi
work="$cache/spire-build-$ver"
rm -rf "$work"; mkdir -p "$work"
cd "$work"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false" GOTOOLCHAIN=local CGO_ENABLED="${CGO_ENABLED:-1}"
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
