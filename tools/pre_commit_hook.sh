#!/usr/bin/env bash
# pre-commit entry (.pre-commit-hooks.yaml): audit the rig files pre-commit passes, from this checkout.
# FACS_AUDIT_PYTHON: the Python with bpy and numpy installed (default python3).
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PYTHONPATH="$home${PYTHONPATH:+:$PYTHONPATH}"
exec "${FACS_AUDIT_PYTHON:-python3}" -m facs_audit_addon audit "$@"
