#!/usr/bin/env bash
# Run the whole test suite on Blender 4.2 LTS (the manifest's minimum) as a Python module.
# Uses its own virtual environment, .venv42, so the main .venv (Blender 5.0) is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv42
.venv42/bin/pip install -q bpy==4.2.23 pytest==9.2.0
.venv42/bin/python -m pytest -q "$@"
