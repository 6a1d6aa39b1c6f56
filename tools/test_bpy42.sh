#!/usr/bin/env bash
# Run the test suite on Blender 4.2 LTS (the manifest's minimum) as a Python module: the main suite and
# the slow tier (docs/testing.md), or the pytest arguments given.
# Uses its own virtual environment, .venv42, so the main .venv (Blender 5.0) is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv42
.venv42/bin/pip install -q bpy==4.2.23 pytest==9.2.0 pytest-xdist==3.8.0
if [ "$#" -gt 0 ]; then
  .venv42/bin/python -m pytest -q "$@"  # what the caller asked for
else
  .venv42/bin/python -m pytest -q -n 2  # the main suite, on two cores
  .venv42/bin/python -m pytest -q -m slow  # and the end-to-end tier
fi
