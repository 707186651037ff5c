#!/usr/bin/env bash
# Build a separate virtual environment with verl 0.9.1 for tests/adapters/test_verl.py.
# verl pins an older transformers and (through hydra) an antlr runtime that math-verify cannot use,
# so it never goes into the main environment. Usage: bash tests/adapters/verl_env_setup.sh [VENV_DIR]
# (default $ENVSDK_VERL_VENV or /tmp/verl-venv). Idempotent: an existing venv with verl is reused, with
# envsdk reinstalled from this checkout (an editable install records the package folders, which move).
set -euo pipefail
VENV="${1:-${ENVSDK_VERL_VENV:-/tmp/verl-venv}}"
REPO="$(cd "$(dirname "$0")/../.." && pwd)"

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import verl, envsdk, pyseccomp, math_verify" 2>/dev/null; then
  "$VENV/bin/python" -m pip install --quiet --no-deps --no-build-isolation -e "$REPO"
  echo "verl venv ready: $VENV"; exit 0
fi
python3 -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip install --quiet)
"${PIP[@]}" --upgrade pip setuptools wheel
# A CPU torch first, so that verl's dependencies do not pull a multi-GB CUDA build: the same version as
# the main environment's (pip's find-links on this machine hold its +cpu wheel), else the CPU index.
TORCH="$(python3 -c 'import torch; print(torch.__version__)' 2>/dev/null || echo none)"
if [[ "$TORCH" == *+cpu ]]; then
  "${PIP[@]}" "torch==${TORCH}"
else
  "${PIP[@]}" torch --index-url https://download.pytorch.org/whl/cpu
fi
"${PIP[@]}" "verl==0.9.1" cachetools fastapi uvicorn "pytest==9.2.0" "pytest-timeout==2.4.0" "pydantic>=2.5" "httpx>=0.25" "tqdm>=4.60" \
  "cloudpickle>=2" "pyseccomp>=0.1"  # envsdk's own dependencies and its sandbox extra (the code env)
# The math env needs math-verify; its antlr4_9_3 extra matches the antlr runtime that verl's hydra pins.
"${PIP[@]}" "math-verify[antlr4_9_3]>=0.7"
"${PIP[@]}" --no-deps --no-build-isolation -e "$REPO"
"$VENV/bin/python" -c "import verl, envsdk; print('verl', verl.__version__, 'ready in', '$VENV')"
