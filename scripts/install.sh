#!/usr/bin/env bash
# Install what Station needs on a Debian machine, only what is missing:
#   scripts/install.sh run   Debian ffmpeg + espeak-ng + fonts + hunspell-vi, then .venv with the project
#   scripts/install.sh test  the same, plus Chromium for the browser tests and the dev tools
# Python packages come pinned from constraints.txt, so every machine gets what was tested.
set -euo pipefail
mode="${1:-run}"
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
want() { for p in "$@"; do have_pkg "$p" || need+=("$p"); done; }

want ffmpeg espeak-ng fonts-dejavu-core fonts-noto-core fonts-wqy-microhei
want hunspell-vi  # the Vietnamese syllable list of the spelling QC check (subtitles/spelling.py)
if ! python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  want python3 python3-venv python3-dev
fi
if [ "$mode" = "test" ]; then want chromium; fi
# pg_dump/pg_restore for `station backup|restore` (docs/operations.md), same major as Debian 12's
# server: always for the tests, for running only when the database is PostgreSQL.
if [ "$mode" = "test" ] || [[ "${STATION_DATABASE_URL:-}" == postgresql* ]]; then
  want postgresql-client-15
fi

if [ "${#need[@]}" -gt 0 ]; then
  echo "==> installing Debian packages: ${need[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need[@]}"
fi

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "Station needs Python 3.11 or newer (found $(python3 --version))" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  python3 -m venv .venv
fi
extras=""
if [ "$mode" = "test" ]; then extras="[dev]"; fi
stamp=".venv/.installed-${mode}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
  echo "==> installing Python packages (pinned by constraints.txt)"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade "pip>=24" 2>/dev/null || true
  .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".${extras}"
  touch "$stamp"
fi
