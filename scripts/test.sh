#!/usr/bin/env bash
# Installs what the tests need and runs the checks and the test suite. SQLite by default;
# set DATABASE_URL=postgres://... to run them on PostgreSQL. The suite runs in two steps, the
# browser tests (Chromium, installed from Debian's packages if missing and run as root) last.
# Arguments replace both steps with one pytest run given them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
bootstrap requirements-test.txt

echo "== lint"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== Django checks on ${DATABASE_URL:-SQLite}"
.venv/bin/python manage.py check --fail-level WARNING
.venv/bin/python manage.py makemigrations --check --dry-run
echo "== Django deploy checks with production settings"
DJANGO_ENV=production DJANGO_ALLOWED_HOSTS=museum.example.org \
  DJANGO_SECRET_KEY="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
  DATABASE_URL="${DATABASE_URL:-sqlite:///$(mktemp -d)/deploy-check.sqlite3}" \
  .venv/bin/python manage.py check --deploy --fail-level WARNING
if [ $# -gt 0 ]; then
  echo "== pytest $* on ${DATABASE_URL:-SQLite}"
  exec .venv/bin/python -m pytest "$@"
fi
echo "== tests on ${DATABASE_URL:-SQLite}"
.venv/bin/python -m pytest -m "not browser"
# The browser tests drive Debian's Chromium; install it where this machine can.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Chromium from Debian's packages for the browser tests"
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
fi
echo "== browser tests (Chromium) on ${DATABASE_URL:-SQLite}"
.venv/bin/python -m pytest -m browser tests/browser
