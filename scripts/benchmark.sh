#!/usr/bin/env bash
# Builds a database of the given size, serves it with gunicorn and load-tests it (see README,
# "Benchmark"). Example: scripts/benchmark.sh --size 115000 --db postgres --seconds 10
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
bootstrap requirements.txt
if ! command -v wrk >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get install -y -qq wrk >/dev/null 2>&1 || echo "Could not install wrk; the Python client will load the site."
fi
exec .venv/bin/python scripts/benchmark.py "$@"
