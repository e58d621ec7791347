# shellcheck shell=bash
# Sourced by scripts that need Debian packages (setup.sh, cross.sh, model.sh).
# install_debian_packages TAG PKG...: as root, install the packages with apt-get and say
# so; otherwise say what to run and return 1. No packages: nothing to do.
install_debian_packages() {
  local tag=$1
  shift
  [ $# -gt 0 ] || return 0
  if [ "$(id -u)" -ne 0 ]; then
    printf '[%s] missing Debian packages: %s (run as root, or: apt-get install %s)\n' "$tag" "$*" "$*"
    return 1
  fi
  printf '[%s] installing Debian packages: %s\n' "$tag" "$*"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
