"""Validate and build the Blender extension zip with Blender's own tool, then check what went in.

Usage: python tools/build_extension.py [--output-dir build]

Blender's ``blender_ext.py`` ships inside the bpy wheel; it runs with this same Python, so no Blender
binary is needed. Prints the zip's path on stdout (the tool's own chatter goes to stderr); exits 1 on
any failure.
"""

import argparse
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: the zip must hold these (the extension cannot run or audit without them)
REQUIRED = ("__init__.py", "blender_manifest.toml", "LICENSE", "facs_audit_addon/__init__.py",
            "facs_audit_addon/core/__init__.py", "facs_audit_addon/blender/__init__.py", "rules/catalog.toml")
#: and nothing under these
FORBIDDEN = ("tests/", "sample_rigs/", "tools/", "build/", ".venv/", "__pycache__/", ".git/")


def find_blender_ext():
    """``bpy/<major.minor>/scripts/addons_core/bl_pkg/cli/blender_ext.py`` of the installed bpy."""
    spec = importlib.util.find_spec("bpy")  # locate without importing: importing bpy starts Blender
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("build_extension: the bpy module is not installed in this Python")
    package = Path(list(spec.submodule_search_locations)[0])
    found = sorted(package.glob("*/scripts/addons_core/bl_pkg/cli/blender_ext.py"))
    if not found:
        raise SystemExit(f"build_extension: blender_ext.py not found under {package}")
    return found[-1]


def check_version():
    manifest = tomllib.loads((ROOT / "blender_manifest.toml").read_text(encoding="utf-8"))
    sys.path.insert(0, str(ROOT))
    from facs_audit_addon import __version__
    if manifest["version"] != __version__:
        raise SystemExit(f"build_extension: manifest version {manifest['version']} != package version {__version__}")
    return manifest


def check_zip(path):
    """Problems with the zip's contents, as lines (empty when it is fine)."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    problems = [f"missing {name}" for name in REQUIRED if name not in names]
    for name in names:
        parts = name.split("/")
        if any("/".join(parts[i:]).startswith(bad) for bad in FORBIDDEN for i in range(len(parts))):
            problems.append(f"should not contain {name}")
    return problems


def _ignored(folder, names):
    """What the clean copy leaves out: caches, environments and version control (the manifest's own
    patterns then choose what goes into the zip)."""
    skip = {"__pycache__", ".git", ".venv", ".venv42", "build", ".pytest_cache"}
    return [n for n in names if n in skip or n.endswith(".pyc")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=ROOT / "build")
    args = parser.parse_args(argv)
    manifest = check_version()
    tool = find_blender_ext()
    output = args.output_dir.resolve()
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        # Blender's tool builds from a clean copy: its exclude patterns do not keep out the bytecode caches
        # that any Python run writes beside the sources (a zip built from the work tree held them)
        source = Path(folder) / "source"
        shutil.copytree(ROOT, source, ignore=_ignored)
        for command in (["validate", str(source)], ["build", "--source-dir", str(source), "--output-dir", str(output)]):
            result = subprocess.run([sys.executable, str(tool), *command], stdout=sys.stderr, check=False)
            if result.returncode != 0:
                print(f"build_extension: blender_ext.py {command[0]} failed ({result.returncode})", file=sys.stderr)
                return 1
    zip_path = output / f"{manifest['id']}-{manifest['version']}.zip"
    if not zip_path.is_file():
        print(f"build_extension: expected {zip_path} was not written", file=sys.stderr)
        return 1
    problems = check_zip(zip_path)
    if problems:
        print("build_extension: " + "; ".join(problems), file=sys.stderr)
        return 1
    print(zip_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
