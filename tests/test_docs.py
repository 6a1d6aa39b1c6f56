"""Generated documentation matches the rule files."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_rules_doc_is_current(capsys):
    """``python tools/gen_rules_doc.py --check``, run in this process: exit 0, nothing out of date."""
    spec = importlib.util.spec_from_file_location("gen_rules_doc", ROOT / "tools" / "gen_rules_doc.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    code = tool.main(["--check"])
    assert code == 0, capsys.readouterr().err


@pytest.mark.slow  # a fresh interpreter: the tool as CI and a developer run it
def test_rules_doc_check_as_a_script():
    result = subprocess.run([sys.executable, "tools/gen_rules_doc.py", "--check"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
