#!/usr/bin/env bash
# `npm run cross`: build the runtime for other CPUs with Debian's cross compilers, then
# test every build under qemu-user (node tests/run.mjs --cross). Builds:
#
#   mips     big-endian MIPS32r2, glibc  (mips-linux-gnu-gcc; its bytecode is compiled
#            by a MIPS qjsc run under qemu-mips: quickjs-ng bytecode follows the byte
#            order of the machine that writes it)
#   mipsel   little-endian MIPS32r2, glibc (mipsel-linux-gnu-gcc)
#   aarch64  64-bit ARM, glibc             (aarch64-linux-gnu-gcc)
#   musl     x86_64 against musl, OpenWrt's C library (musl-gcc, runs natively)
#
# into dist/<arch>/x0tta6bl4 (stripped), objects in build/<arch>/. Debian has no MIPS
# musl toolchain, so no build here is what an OpenWrt MIPS router runs (docs/openwrt.md).
#
#   npm run cross                      build and test all four
#   npm run cross -- --arch mips,musl  some of them
#   npm run cross -- --build-only      build, do not test
#
# Missing Debian packages are installed when run as root. Everything runs at nice 19:
# the tests take minutes of emulated CPU (docs/performance.md) and should not disturb
# whatever else the machine measures.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
say() { printf '[cross] %s\n' "$*"; }
renice -n 19 -p $$ >/dev/null

archs=(mips mipsel aarch64 musl)
build_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) IFS=, read -r -a archs <<< "${2:-}"; shift 2 ;;
    --build-only) build_only=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) say "unknown option $1 (--arch LIST, --build-only)"; exit 2 ;;
  esac
done

# Per build: the C compiler, the Debian packages that bring it, and the qemu-user
# binary that runs it (none: runs on this machine).
triplet() { case "$1" in mips) echo mips-linux-gnu ;; mipsel) echo mipsel-linux-gnu ;; aarch64) echo aarch64-linux-gnu ;; esac; }
need_pkgs=()
for a in "${archs[@]}"; do
  case "$a" in
    mips|mipsel|aarch64)
      t=$(triplet "$a")
      libc=libc6-dev-$a-cross; [ "$a" = aarch64 ] && libc=libc6-dev-arm64-cross
      command -v "$t-gcc" >/dev/null 2>&1 || need_pkgs+=("gcc-$t")
      [ -f "/usr/$t/include/stdio.h" ] || need_pkgs+=("$libc")
      command -v "qemu-$a" >/dev/null 2>&1 || need_pkgs+=(qemu-user)
      ;;
    musl)
      command -v musl-gcc >/dev/null 2>&1 || need_pkgs+=(musl-tools)
      [ -f /usr/include/linux/netlink.h ] || need_pkgs+=(linux-libc-dev)
      ;;
    *) say "unknown build '$a' (mips, mipsel, aarch64, musl)"; exit 2 ;;
  esac
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  mapfile -t need_pkgs < <(printf '%s\n' "${need_pkgs[@]}" | sort -u)
  if [ "$(id -u)" -ne 0 ]; then
    say "missing Debian packages: ${need_pkgs[*]} (run as root, or: apt-get install ${need_pkgs[*]})"
    exit 1
  fi
  say "installing Debian packages: ${need_pkgs[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi
if [ ! -f node_modules/.package-lock.json ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
qjs_src=$(bash scripts/fetch-quickjs.sh)
# When the runtime links mbedTLS, each build gets its own static mbedTLS, compiled from
# Debian 12's source (no libmbedtls-dev for big-endian MIPS or musl in Debian 12).
mbedtls_src=
if grep -q -- '-lmbedtls' runtime/native/Makefile; then
  mbedtls_src=$(bash scripts/fetch-mbedtls.sh)
fi

for a in "${archs[@]}"; do
  build="$root/build/$a"
  out="$root/dist/$a/x0tta6bl4"
  mkdir -p "$build"
  # The agent's bundle, as `npm run build` makes it, but in this build's directory.
  node --input-type=module -e 'const { buildQuickjsAgent } = await import(process.argv[1]); await buildQuickjsAgent(process.argv[2]);' \
    "$root/esbuild.config.mjs" "$build/x0tta6bl4.js"
  case "$a" in
    mips|mipsel|aarch64) cc="$(triplet "$a")-gcc"; ar="$(triplet "$a")-ar"; strip="$(triplet "$a")-strip" ;;
    musl)
      # musl-gcc sees only musl's headers; the kernel's (linux/netlink.h, ...) come
      # from linux-libc-dev through a directory of links to them.
      inc="$build/include"
      mkdir -p "$inc"
      ln -sfn /usr/include/linux "$inc/linux"
      ln -sfn /usr/include/asm-generic "$inc/asm-generic"
      ln -sfn "/usr/include/$(gcc -dumpmachine)/asm" "$inc/asm"
      cc="musl-gcc -isystem $inc"; ar="ar"; strip="strip"
      ;;
  esac
  if [ -n "$mbedtls_src" ]; then
    mb="$build/mbedtls"
    if [ ! -f "$mb/library/libmbedtls.a" ]; then
      say "building mbedTLS $(cat "$mbedtls_src/../VERSION") for $a (static)"
      rm -rf "$mb"; mkdir -p "$mb"
      cp -r "$mbedtls_src/library" "$mbedtls_src/3rdparty" "$mb/"
      ln -sfn "$mbedtls_src/include" "$mb/include"
      make -s -C "$mb/library" -j"$(nproc)" CC="$cc" AR="$ar" CFLAGS="-O2 -ffunction-sections -fdata-sections" \
        libmbedcrypto.a libmbedx509.a libmbedtls.a
    fi
    cc="$cc -isystem $mb/include -L$mb/library"
  fi
  mk=(make -s -C runtime/native -j"$(nproc)" QJS_SRC="$qjs_src" BUILD="$build" OUT="$out" BUNDLE="$build/x0tta6bl4.js"
      CC="$cc" STRIP="$strip")
  # Big-endian: the bytecode comes from a MIPS qjsc run under qemu-mips.
  if [ "$a" = mips ]; then mk+=(QJSC="qemu-mips -L /usr/mips-linux-gnu $build/target/qjsc"); fi
  say "building $a: ${mk[*]}"
  start=$(date +%s)
  "${mk[@]}"
  say "built dist/$a/x0tta6bl4: $(stat -c %s "$out") bytes, $(( $(date +%s) - start )) s"
done

[ "$build_only" = 1 ] && exit 0
arch_list=$(IFS=,; echo "${archs[*]}")
exec node tests/run.mjs --cross --arch "$arch_list"
