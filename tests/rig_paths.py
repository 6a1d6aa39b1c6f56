"""Where the shared real rigs are (used in place, never copied): the tests that need them skip when absent."""

from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real_rigs"
ICT = REAL / "ict_facekit" / "ict_facekit_57shapes.glb"
ROCKETBOX = REAL / "rocketbox_headbox" / "Male_Adult_03_facial.fbx"
NO_KEYS = REAL / "rocketbox_headbox" / "Female_Adult_01_mayainput.fbx"
MPFB = REAL / "mpfb_expression_units" / "makehuman_mpfb_expression_units.blend"

# The MakeHuman .blend was saved by Blender 5.0, whose file format Blender 4.2 cannot read.
needs_blender_5 = pytest.mark.skipif(int(version("bpy").split(".")[0]) < 5,
                                     reason="the MakeHuman rig is a Blender 5.0 file; this bpy is older")
