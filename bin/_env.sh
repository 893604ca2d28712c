# Shared by bin/dev and bin/test: a virtualenv in .venv with the pinned
# requirements, reinstalled only when a requirements file changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "Creating a virtualenv in .venv ..."
  "$PYTHON" -m venv .venv
fi
want="$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)"
have="$(cat .venv/.requirements-hash 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
  echo "Installing Python packages ..."
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements-dev.txt
  echo "$want" > .venv/.requirements-hash
fi
export PATH="$ROOT/.venv/bin:$PATH"
export DATA_DIR="${DATA_DIR:-$ROOT/../shared/data}"
