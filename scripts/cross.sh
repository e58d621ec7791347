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
#   mips-musl  big-endian MIPS32r2 against musl, static, hard float: Debian has no MIPS
#            musl, so this compiles musl 1.2.3 from Debian's source package
#            (scripts/fetch-musl.sh) with mips-linux-gnu-gcc, once, into build/mips-musl/
#   i386-musl  32-bit x86 against musl (the same musl, built with gcc -m32), static; runs
#            natively, so 32-bit structures with a 64-bit time_t (SO_TIMESTAMPNS's
#            cmsg) meet the real kernel, which qemu-user cannot give the other builds
#
# into dist/<arch>/x0tta6bl4 (stripped), objects in build/<arch>/. OpenWrt's MIPS
# targets are soft float, which Debian's MIPS libgcc cannot serve (docs/openwrt.md,
# "Other CPUs and musl"), so no build here is exactly what an OpenWrt router runs.
#
#   npm run cross                      build and test all six
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
. scripts/lib/debian-packages.sh
renice -n 19 -p $$ >/dev/null

archs=(mips mipsel aarch64 musl mips-musl i386-musl)
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
triplet() { case "$1" in mips|mips-musl) echo mips-linux-gnu ;; mipsel) echo mipsel-linux-gnu ;; aarch64) echo aarch64-linux-gnu ;; esac; }
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
    mips-musl)
      # The cross gcc, its crt files and libgcc, and the kernel's MIPS headers.
      command -v mips-linux-gnu-gcc >/dev/null 2>&1 || need_pkgs+=(gcc-mips-linux-gnu)
      [ -f /usr/mips-linux-gnu/include/linux/netlink.h ] || need_pkgs+=(libc6-dev-mips-cross)
      command -v qemu-mips >/dev/null 2>&1 || need_pkgs+=(qemu-user)
      ;;
    i386-musl)
      # gcc -m32's crt files and libgcc; the kernel's x86 headers serve both widths.
      [ -f /usr/lib/gcc/x86_64-linux-gnu/12/32/crtbeginS.o ] || need_pkgs+=(gcc-multilib)
      [ -f /usr/include/linux/netlink.h ] || need_pkgs+=(linux-libc-dev)
      ;;
    musl)
      command -v musl-gcc >/dev/null 2>&1 || need_pkgs+=(musl-tools)
      [ -f /usr/include/linux/netlink.h ] || need_pkgs+=(linux-libc-dev)
      ;;
    *) say "unknown build '$a' (mips, mipsel, aarch64, musl, mips-musl, i386-musl)"; exit 2 ;;
  esac
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  mapfile -t need_pkgs < <(printf '%s\n' "${need_pkgs[@]}" | sort -u)
  install_debian_packages cross "${need_pkgs[@]}" || exit 1
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
musl_src=
case " ${archs[*]} " in *" mips-musl "*|*" i386-musl "*) musl_src=$(bash scripts/fetch-musl.sh) ;; esac

# kernel_headers DIR SRC: DIR gets links to the kernel's headers under SRC (linux/,
# asm/, asm-generic/). A musl compiler sees only musl's own headers; netlink.h and
# if_packet.h come from the kernel's, through these links.
kernel_headers() {
  mkdir -p "$1"
  ln -sfn "$2/linux" "$1/linux"
  ln -sfn "$2/asm-generic" "$1/asm-generic"
  ln -sfn "$2/asm" "$1/asm"
}

# build_musl BUILD TARGET CC AR RANLIB: musl for TARGET into BUILD/musl-root (static
# only), with the gcc specs file that points CC at it instead of glibc. MIPS is hard float:
# Debian's MIPS libgcc is hard-float, and its soft-float helpers (__adddf3, ...) take
# their arguments in FPU registers, so a -msoft-float musl linked against it computes
# garbage (printf("%g", 4.5) printed 0).
build_musl() {
  local root_dir="$1/musl-root" obj="$1/musl-obj"
  if [ -f "$root_dir/lib/libc.a" ] && [ -f "$root_dir/lib/musl-gcc.specs" ]; then return; fi
  say "building musl $(cat "$musl_src/VERSION") for $2 (static)"
  rm -rf "$root_dir" "$obj"; mkdir -p "$obj"
  ( cd "$obj" && "$musl_src/configure" --target="$2" CC="$3" AR="$4" RANLIB="$5" \
      --prefix="$root_dir" --disable-shared --enable-wrapper=gcc >configure.log \
    && make -s -j"$(nproc)" AR="$4" RANLIB="$5" >make.log 2>&1 && make -s install >install.log 2>&1 ) \
    || { say "musl build failed: see $obj/*.log"; exit 1; }
}

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
      # musl-gcc sees only musl's headers; the kernel's come from linux-libc-dev.
      inc="$build/include"
      kernel_headers "$inc" /usr/include
      ln -sfn "/usr/include/$(gcc -dumpmachine)/asm" "$inc/asm"
      cc="musl-gcc -isystem $inc"; ar="ar"; strip="strip"
      ;;
    mips-musl)
      build_musl "$build" mips-linux-musl mips-linux-gnu-gcc mips-linux-gnu-ar mips-linux-gnu-ranlib
      inc="$build/include"
      kernel_headers "$inc" /usr/mips-linux-gnu/include
      # Static: no musl loader for MIPS here (nor on a router without our libc package).
      cc="mips-linux-gnu-gcc -specs $build/musl-root/lib/musl-gcc.specs -static -isystem $inc"
      ar=mips-linux-gnu-ar; strip=mips-linux-gnu-strip
      ;;
    i386-musl)
      build_musl "$build" i386-linux-musl "gcc -m32" ar ranlib
      inc="$build/include"
      kernel_headers "$inc" /usr/include
      ln -sfn "/usr/include/$(gcc -dumpmachine)/asm" "$inc/asm"
      # musl's specs replace gcc's link line, and with it -m32's "-m elf_i386" for ld.
      cc="gcc -m32 -specs $build/musl-root/lib/musl-gcc.specs -static -Wl,-m,elf_i386 -isystem $inc"
      ar="ar"; strip="strip"
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
  if [ "$a" = mips-musl ]; then mk+=(QJSC="qemu-mips $build/target/qjsc"); fi
  say "building $a: ${mk[*]}"
  start=$(date +%s)
  "${mk[@]}"
  say "built dist/$a/x0tta6bl4: $(stat -c %s "$out") bytes, $(( $(date +%s) - start )) s"
done

[ "$build_only" = 1 ] && exit 0
arch_list=$(IFS=,; echo "${archs[*]}")
exec node tests/run.mjs --cross --arch "$arch_list"
