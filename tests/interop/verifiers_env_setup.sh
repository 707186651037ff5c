#!/usr/bin/env bash
# Build a separate virtual environment with verifiers 0.4.0 for tests/interop/test_verifiers.py.
# verifiers pins mcp==2.0.0 and openai<3, which the openenv package (main environment) cannot share, so it
# never goes into the main environment. Usage: bash tests/interop/verifiers_env_setup.sh [VENV_DIR]
# (default $ENVSDK_VERIFIERS_VENV or /tmp/verifiers-venv). Idempotent: an existing venv with verifiers is reused, with
# envsdk reinstalled from this checkout (an editable install records the package folders, which move).
# `uv` is there because vf-eval's harnesses launch the model program with `uv run` (its deps come from the index).
set -euo pipefail
VENV="${1:-${ENVSDK_VERIFIERS_VENV:-/tmp/verifiers-venv}}"
REPO="$(cd "$(dirname "$0")/../.." && pwd)"

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import verifiers.v1, envsdk" 2>/dev/null && [ -x "$VENV/bin/uv" ]; then
  "$VENV/bin/python" -m pip install --quiet --no-deps --no-build-isolation -e "$REPO"
  echo "verifiers venv ready: $VENV"; exit 0
fi
python3 -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip install --quiet)
"${PIP[@]}" --upgrade pip setuptools wheel
"${PIP[@]}" "verifiers==0.4.0" uv "pytest==9.2.0" "pytest-timeout==2.4.0" "pydantic>=2.5" "httpx>=0.25" "tqdm>=4.60" cloudpickle
"${PIP[@]}" --no-deps --no-build-isolation -e "$REPO"
"$VENV/bin/python" -c "import verifiers, envsdk; print('verifiers', verifiers.__version__, 'ready in', '$VENV')"
