#!/usr/bin/env bash
# Install everything the project needs on a fresh Debian machine with Python 3.11 (run as root).
# Idempotent: a second run installs nothing new. Usage: bash scripts/setup.sh [--dev] [--host]
#   --dev   test tools and Chromium (for the browser tests)
#   --host  nginx, the reverse proxy scripts/serve.py puts in front of the app processes
# Every package, direct or indirect, is installed at the version in constraints.txt (`make lock` refreshes it).
set -euo pipefail
cd "$(dirname "$0")/.."
for flag in "$@"; do
  case "$flag" in --dev|--host) ;; *) echo "unknown option $flag (use --dev and/or --host)" >&2; exit 2 ;; esac
done
PIP=(python3 -m pip install --quiet --disable-pip-version-check -c constraints.txt)
"${PIP[@]}" -r requirements.txt
apt_install() {
  if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$1" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  fi
}
for flag in "$@"; do
  case "$flag" in
    --dev) "${PIP[@]}" -r requirements-dev.txt; apt_install chromium chromium ;;
    --host) apt_install nginx nginx ;;
  esac
done

# deck.gl for the map (sna.ui.deckmap): @deck.gl/core and @deck.gl/layers from npm, 0.7 MB to parse
# instead of the 2.6 MB bundle in the pydeck wheel (which the map falls back to without npm).
DECKGL=9.0.12
if [ ! -s "vendor/deckgl/$DECKGL/layers.min.js" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null || true
  fi
  if command -v npm >/dev/null 2>&1; then
    tmp="$(mktemp -d)"
    if (cd "$tmp" && npm pack --silent "@deck.gl/core@$DECKGL" "@deck.gl/layers@$DECKGL" >/dev/null); then
      mkdir -p "vendor/deckgl/$DECKGL"
      tar -xzf "$tmp/deck.gl-core-$DECKGL.tgz" -O package/dist.min.js > "vendor/deckgl/$DECKGL/core.min.js"
      tar -xzf "$tmp/deck.gl-layers-$DECKGL.tgz" -O package/dist.min.js > "vendor/deckgl/$DECKGL/layers.min.js"
    fi
    rm -rf "$tmp"
  fi
fi
