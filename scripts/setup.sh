#!/usr/bin/env bash
# Install everything the project needs on a fresh Debian machine with Python 3.11 (run as root).
# Idempotent: a second run installs nothing new. Usage: bash scripts/setup.sh [--dev]
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -r requirements.txt
if [ "${1:-}" = "--dev" ]; then
  python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  if ! command -v chromium >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
