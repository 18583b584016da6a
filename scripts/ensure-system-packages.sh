#!/usr/bin/env bash
# Installs the system packages the test suite drives for real, when they are missing:
# Debian's Chromium (Playwright's own browser download does not work here), git, rclone, and espeak-ng, which
# speaks the meetings tests' audio.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v git >/dev/null 2>&1 || missing+=(git)
command -v rclone >/dev/null 2>&1 || missing+=(rclone)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}. Install them (e.g. sudo apt-get install ${missing[*]}) and re-run." >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
