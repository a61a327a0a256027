# Sourced by run.sh and test.sh: makes .venv with Python >= 3.11 and installs a locked
# requirements file into it, again only when the lock file has changed.
# Usage: bootstrap requirements.txt
bootstrap() {
  local lock="$1" python="" candidate
  for candidate in ${PYTHON:-} python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      python="$candidate"
      break
    fi
  done
  if [ -z "$python" ]; then
    echo "Friendship Gifts needs Python 3.11 or newer; none was found on PATH." >&2
    exit 1
  fi
  # A run interrupted while the venv was being made leaves one without pip: make it again.
  if [ ! -x .venv/bin/python ] || ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
    echo "Creating the virtual environment in .venv with $python"
    rm -rf .venv
    "$python" -m venv .venv
  fi
  local stamp=".venv/.installed-$(basename "$lock")"
  local digest
  digest=$(.venv/bin/python -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$lock")
  if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
    echo "Installing the locked dependencies from $lock"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r "$lock"
    echo "$digest" > "$stamp"
  fi
}
