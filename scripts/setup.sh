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
