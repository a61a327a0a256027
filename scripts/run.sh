#!/usr/bin/env bash
# Installs the site, loads the documented collection and serves it on http://127.0.0.1:8000
# (PORT=8080 to change the port). Safe to run again: it adds what is missing and updates only
# the records no curator has changed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
bootstrap requirements.txt

export DJANGO_DEBUG="${DJANGO_DEBUG:-0}"
port="${PORT:-8000}"
manage() { .venv/bin/python manage.py "$@"; }

manage migrate --noinput
# --keep-edits: corrections to the documented records reach a site that loaded older files;
# records a curator has changed are left as they are.
manage import_collection --keep-edits
manage collectstatic --noinput --verbosity 0

cat <<MSG

Friendship Gifts is starting on http://127.0.0.1:${port}/
To sign in to the admin (http://127.0.0.1:${port}/admin/) as a curator, create an account
with a one-time random password in another terminal:

    .venv/bin/python manage.py create_curator YOUR-NAME

Stop the server with Ctrl+C.
MSG
exec .venv/bin/gunicorn museum.wsgi --bind "127.0.0.1:${port}" --workers 2 --access-logfile -
