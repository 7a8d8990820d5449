#!/usr/bin/env bash
# Install the Debian packages Laurel needs when they are missing: ffmpeg always,
# Chromium for the browser tests. As root we use apt; otherwise we say what to run.
set -euo pipefail
missing=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Laurel needs these Debian packages: ${missing[*]}" >&2
  echo "Install them with:  sudo apt-get install ${missing[*]}" >&2
  # ffmpeg is needed to run the festival at all; Chromium only for the browser tests.
  case " ${missing[*]} " in *" ffmpeg "*) exit 1;; esac
fi
