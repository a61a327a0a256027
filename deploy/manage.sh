#!/bin/sh
# Runs a manage.py command exactly as the service runs: as the friendship-gifts user, with
# /etc/friendship-gifts/env (read by systemd itself, so quoting is the same) and the same
# read-only file system. Run as root from the release to use:
#
#   /srv/friendship-gifts/releases/NEW/deploy/manage.sh migrate --noinput
#   /srv/friendship-gifts/current/deploy/manage.sh createsuperuser
set -eu
app_dir="$(cd "$(dirname "$0")/.." && pwd)"
if [ -t 0 ] && [ -t 1 ]; then io=--pty; else io=--pipe; fi
exec systemd-run --quiet --wait --collect "$io" \
  --uid=friendship-gifts --gid=friendship-gifts \
  --working-directory="$app_dir" \
  --setenv=DJANGO_ENV=production \
  -p EnvironmentFile=/etc/friendship-gifts/env \
  -p UMask=0027 \
  -p NoNewPrivileges=yes \
  -p ProtectSystem=strict \
  -p ReadWritePaths=/var/lib/friendship-gifts \
  -p ProtectHome=yes \
  -p PrivateTmp=yes \
  "$app_dir/.venv/bin/python" manage.py "$@"
