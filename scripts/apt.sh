# shellcheck shell=bash
# scripts/apt.sh — installing Debian packages, shared by setup.sh and
# setup-cross.sh (source it). Root runs apt-get directly, others through
# sudo; apt may be locked by another process, so it waits up to 15 minutes.
#   ensure_packages PKG...   installs those not installed yet
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
apt_get=(apt-get -o DPkg::Lock::Timeout=900 -q)
updated=0   # apt-get update at most once, and only when something is missing

apt_update() {
  $sudo "${apt_get[@]}" update
  updated=1
}

ensure_packages() {
  local p missing=()
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "$(basename "$0"): installing ${missing[*]}"
  [ $updated -eq 1 ] || apt_update
  # --no-remove: a foreign-architecture package must never replace a native
  # one (apt would rather remove the native package than fail).
  $sudo "${apt_get[@]}" install -y --no-install-recommends --no-remove "${missing[@]}"
}
