"""Write two deliveries of the sample face for the diff tests (run with bpy): OLD/NEW/TOPO .blend.

OLD is the sample face with the in-house shape 'funnyFace' (the unknown-name defect). NEW, from it:
funnyFace removed, AU2_L renamed AU02_L, 'browsUp' added, AU17 20 % stronger, AU12_R at 45 % (a pair
mismatch). TOPO is the unmatched-mirror variant (another vertex count).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from sample_rigs.defects import build_variant  # noqa: E402
from sample_rigs.build_blend import empty_session  # noqa: E402


def deliveries():
    """(vertices, faces, old shapes, new shapes), pure numpy."""
    old = build_variant("unknown-name")
    new = {}
    for name, delta in old.shapes.items():
        if name == "funnyFace":
            continue
        new["AU02_L" if name == "AU2_L" else name] = delta.copy()
    new["AU17"] = (1.2 * new["AU17"]).astype(np.float32)
    new["AU12_R"] = (0.45 * new["AU12_R"]).astype(np.float32)
    new["browsUp"] = (0.6 * old.shapes["AU1_L"] + 0.3 * old.shapes["AU2_R"]).astype(np.float32)
    return old.vertices, old.faces, old.shapes, new


def main(folder):
    import bpy

    from sample_rigs.build_blend import make_mesh_object

    folder = Path(folder)
    vertices, faces, old, new = deliveries()
    topo = build_variant("unmatched-mirror")
    for name, (v, f, shapes) in {"old": (vertices, faces, old), "new": (vertices, faces, new),
                                 "topo": (topo.vertices, topo.faces, topo.shapes)}.items():
        empty_session()
        make_mesh_object("Face", v, f, shapes)
        bpy.ops.wm.save_as_mainfile(filepath=str(folder / f"{name}.blend"), compress=False)


if __name__ == "__main__":
    main(sys.argv[1])
    from facs_audit_addon.process import exit_now
    exit_now(0)
