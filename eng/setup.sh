#!/usr/bin/env bash
# Installs what MLNet.DeepText needs from the OS, and nothing when it is already there.
#
# TorchSharp 0.107's native library (libLibTorchSharp.so) needs GLIBCXX_3.4.32, i.e. the
# libstdc++ of GCC 13 or newer. Debian 12 ships GCC 12's. On Debian 12 this script adds
# Debian 13 (trixie) as an apt source pinned at low priority (so ordinary upgrades stay on
# bookworm) and installs libstdc++6, with what it requires, from there. On other systems it says
# what to install.
# It is idempotent and prints nothing when nothing is needed.
set -euo pipefail

needed=GLIBCXX_3.4.32

find_libstdcxx() {
  local p
  for p in /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib/aarch64-linux-gnu/libstdc++.so.6 /usr/lib64/libstdc++.so.6 /usr/lib/libstdc++.so.6; do
    [ -e "$p" ] && { echo "$p"; return 0; }
  done
  ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 /{print $NF; exit}'
}

has_symbol() {
  local lib
  lib=$(find_libstdcxx)
  [ -n "$lib" ] && grep -aq "$needed" "$lib"
}

if [ "$(uname -s)" != Linux ]; then exit 0; fi   # macOS/Windows: TorchSharp brings its own runtime.
if has_symbol; then exit 0; fi

. /etc/os-release 2>/dev/null || true
if [ "${ID:-}" = debian ] && [ "${VERSION_ID:-}" = 12 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "eng/setup.sh: libstdc++ lacks $needed; installing libstdc++6 from Debian 13 (trixie), pinned at low priority" >&2
  # Reuse the archive this machine already uses for bookworm (one-line or deb822 sources).
  mirror=$(grep -hsE '^deb .* bookworm main' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2; exit}' || true)
  if [ -z "$mirror" ]; then
    mirror=$(awk '/^URIs:/{u=$2} /^Suites:/{for(i=2;i<=NF;i++) if($i=="bookworm"){print u; exit}}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  fi
  if [ -z "$mirror" ]; then
    echo "eng/setup.sh: no apt source for bookworm found; add Debian 13 (trixie) and install libstdc++6 from it." >&2
    exit 1
  fi
  echo "deb $mirror trixie main" | $sudo tee /etc/apt/sources.list.d/deeptext-trixie.list >/dev/null
  $sudo tee /etc/apt/preferences.d/deeptext-trixie.pref >/dev/null <<'PREF'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PREF
  $sudo apt-get update -qq >/dev/null
  # trixie is the target release for this one install only: apt upgrades libstdc++6 and what it requires
  # (libgcc-s1, libc6, libc-bin, base-files, gcc-14-base on a minimal Debian 12); the pin keeps every
  # later upgrade on bookworm.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -t trixie libstdc++6 >/dev/null
else
  echo "eng/setup.sh: $(find_libstdcxx || echo 'libstdc++.so.6') lacks $needed, which TorchSharp 0.107 needs." >&2
  echo "Install the libstdc++ of GCC 13 or newer (e.g. 'libstdc++6' from a newer release of your distribution)." >&2
  exit 1
fi

if ! has_symbol; then
  echo "eng/setup.sh: FAILED: $(find_libstdcxx) still lacks $needed after installing libstdc++6 from trixie." >&2
  exit 1
fi
echo "eng/setup.sh: libstdc++ now provides $needed" >&2
