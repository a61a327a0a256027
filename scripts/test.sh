#!/usr/bin/env bash
# Installs what the tests need and runs the checks and the test suite. SQLite by default;
# set DATABASE_URL=postgres://... to run them on PostgreSQL. Extra arguments go to pytest.
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
echo "== tests on ${DATABASE_URL:-SQLite}"
.venv/bin/python -m pytest "$@"
