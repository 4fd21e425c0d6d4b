# Sourced by the scripts: installs a Debian package where what it provides is missing.
#
# need_package PACKAGE PATH
#   Installs PACKAGE with apt-get (through sudo when not root) unless PATH exists.

need_package() {
  [ -e "$2" ] && return 0
  printf '==> installing Debian'"'"'s %s\n' "$1" >&2
  local apt_get=(apt-get)
  [ "$(id -u)" -eq 0 ] || apt_get=(sudo apt-get)
  "${apt_get[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq "$1" >/dev/null
}
