"""A corpus of sample rigs with one known defect each, built from the clean sample face.

``defects.toml`` (beside this file) lists every variant: the profile to audit it with, the findings
it must produce and the ones it must not (format in ``sample_rigs/README.md``). This module holds the
recipes: each one takes the clean face (FACS-code names) and breaks exactly one thing.

Usage::

    from sample_rigs.defects import load_manifest, build_variant, variant_snapshot
    for entry in load_manifest():
        snapshot = variant_snapshot(entry["id"])     # pure numpy, no bpy

    python sample_rigs/defects.py OUT_DIR            # write every variant as OUT_DIR/<id>.blend
"""

import sys
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sample_rigs.face_model import blob, build_face, named_shapes, smoothstep  # noqa: E402

MANIFEST = Path(__file__).with_name("defects.toml")


@dataclass
class BuiltVariant:
    """One rig of the corpus: mesh arrays and ``{shape-key name: delta}`` in key order."""

    id: str
    vertices: np.ndarray
    faces: list
    shapes: dict


@lru_cache(maxsize=1)
def _clean():
    face = build_face()
    return face, named_shapes(face, "facs")


def load_manifest(path=MANIFEST):
    """The ``[[variant]]`` entries of the manifest, with defaults filled in."""
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    entries = []
    for entry in data.get("variant", []):
        entry = dict(entry)
        entry.setdefault("profile", "facs-film")
        entry.setdefault("expect", [])
        entry.setdefault("forbid", [])
        entry.setdefault("allow", [])
        entry.setdefault("forbid_other_errors", True)
        entry.setdefault("forbid_other_findings", False)
        if entry["id"] not in RECIPES:
            raise KeyError(f"{path}: variant '{entry['id']}' has no recipe in defects.py")
        entries.append(entry)
    return entries


def build_variant(variant_id):
    """Build one variant of the corpus (fresh copies: callers may change the arrays)."""
    face, clean = _clean()
    shapes = {name: delta.copy() for name, delta in clean.items()}
    vertices, faces = face.vertices.copy(), list(face.faces)
    result = RECIPES[variant_id](face, shapes)
    if result is not None:   # recipes that change the topology return new arrays
        vertices, faces, shapes = result
    return BuiltVariant(variant_id, vertices, faces, shapes)


def variant_snapshot(variant_id):
    """The variant as a pure-numpy ``RigSnapshot`` (object name ``Face``)."""
    from facs_audit_addon.core import RigSnapshot
    from facs_audit_addon.core.islands import polygon_edges

    built = build_variant(variant_id)
    # the edges Blender would make from the polygons, as a saved .blend carries them (the clean face's,
    # found once, for the variants that keep its polygons)
    edges = _clean_edges() if built.faces == _clean()[0].faces else polygon_edges(built.faces)
    return RigSnapshot.from_shapes("Face", built.vertices, built.shapes, source=f"defect:{variant_id}", edges=edges)


@lru_cache(maxsize=1)
def _clean_edges():
    from facs_audit_addon.core.islands import polygon_edges
    return polygon_edges(_clean()[0].faces)


# -- recipes: each breaks one thing in ``shapes`` (FACS-code names) -------------------------------
def _mirrored_pair(face, shapes, left_name, left_delta):
    """Set a left shape and make its right twin its exact mirror, so only the intended defect shows."""
    shapes[left_name] = left_delta.astype(np.float32)
    shapes[left_name[:-1] + "R"] = face.mirror_delta(shapes[left_name])


def _clean_rig(face, shapes):
    return None


def _missing_au23_vertical(face, shapes):
    del shapes["AU23V"]


def _missing_au12_right(face, shapes):
    del shapes["AU12_R"]


def _unknown_name(face, shapes):
    # a name no convention knows (an in-house corrective); its geometry is harmless
    shapes["funnyFace"] = 0.5 * (shapes["AU12_L"] + shapes["AU12_R"])


def _duplicate_mapping(face, shapes):
    # 'AU012_L' reads as AU12 left too (leading zeros are allowed in codes): two shapes, one slot
    shapes["AU012_L"] = (0.7 * shapes["AU12_L"] + 0.3 * shapes["AU13_L"]).astype(np.float32)


def _pair_mismatch(face, shapes):
    # the right twin is a weaker copy: half the motion
    shapes["AU12_R"] = 0.45 * shapes["AU12_R"]


def _bilateral_asymmetric(face, shapes):
    # chin raiser stronger on the left: a lopsided bilateral shape
    x = face.vertices[:, 0]
    gain = 0.25 + 0.75 * smoothstep(-0.01, 0.01, x)
    shapes["AU17"] = (shapes["AU17"] * gain[:, None]).astype(np.float32)


def _side_crossover(face, shapes):
    # the left corner depressor also pulls the right corner down (and its twin mirrors that)
    left = shapes["AU15_L"] + 0.6 * shapes["AU15_R"]
    _mirrored_pair(face, shapes, "AU15_L", left)


def _sides_swapped(face, shapes):
    # AU12_L moves the -X corner: the sides are swapped
    shapes["AU12_L"], shapes["AU12_R"] = shapes["AU12_R"], shapes["AU12_L"]


def _leakage_au12_brows(face, shapes):
    # the smile also lifts the brow (a sculpt slip), on both twins
    _mirrored_pair(face, shapes, "AU12_L", shapes["AU12_L"] + shapes["AU1_L"] + shapes["AU2_L"])


def _leakage_au26_forehead(face, shapes):
    # the jaw drop drags the whole forehead down
    p = face.vertices.astype(np.float64)
    w = blob(p, (0.0, -0.07, 0.185), (0.07, 0.08, 0.045)) * face.skin
    forehead = np.zeros_like(p)
    forehead[:, 2] = -0.02 * w
    shapes["AU26"] = (shapes["AU26"] + forehead).astype(np.float32)


def _island_au26_brows(face, shapes):
    # a compact lift of each outer brow, where AU2 moves most, hidden in the big jaw drop
    p = face.vertices.astype(np.float64)
    motion = np.linalg.norm(shapes["AU2_L"], axis=1)
    centre = p[int(np.argmax(motion))]
    peak = float(np.linalg.norm(shapes["AU26"], axis=1).max())
    lift = np.zeros_like(p)
    for side in (1.0, -1.0):
        lift[:, 2] += 0.4 * peak * blob(p, centre * (side, 1.0, 1.0), (0.014, 0.014, 0.014))
    shapes["AU26"] = (shapes["AU26"] + lift).astype(np.float32)


def _duplicate_18_22(face, shapes):
    shapes["AU22"] = shapes["AU18"].copy()


def _pucker_funnel(face, shapes):
    # 'AU18' built as an open, flared funnel (the AU22 signature), not a copy of AU22
    from sample_rigs.face_shapes import _Fields
    f = _Fields(face)
    w = blob(f.p, (0.0, -0.09, 0.040), (0.040, 0.06, 0.026)) * f.front
    out = np.zeros_like(f.p)
    out[:, 1] = -0.007 * w
    out += f.vec(f.upper_red, dz=0.004, dy=-0.003) + f.vec(f.lower_red, dz=-0.0045, dy=-0.003)
    shapes["AU18"] = face.symmetrize(out.astype(np.float32))


def _duplicate_43_45(face, shapes):
    shapes["AU45_L"] = shapes["AU43_L"].copy()
    shapes["AU45_R"] = shapes["AU43_R"].copy()


def _au25_rotates_jaw(face, shapes):
    # 'lips part' that swings the mandible: really AU26
    from sample_rigs.face_shapes import _Fields
    shapes["AU25"] = face.symmetrize((_Fields(face).jaw_rotation(0.09) + shapes["AU25"]).astype(np.float32))


def _au23_indistinct(face, shapes):
    # the vertical cincher is the horizontal tightener again, barely changed
    shapes["AU23V"] = (0.95 * shapes["AU23H"] + 0.05 * shapes["AU23V"]).astype(np.float32)


def _combination_name(face, shapes):
    # a corrective that bakes in press + part, two actions that exclude each other
    shapes["AU24_AU25"] = (0.5 * (shapes["AU24_L"] + shapes["AU24_R"]) + shapes["AU25"]).astype(np.float32)


def _baked_pair(face, shapes):
    # 'AU24' whose geometry also parts the lips (press + part baked into one shape)
    x = face.vertices[:, 0]
    left = smoothstep(-0.003, 0.003, x)[:, None]
    _mirrored_pair(face, shapes, "AU24_L", shapes["AU24_L"] + 1.2 * left * shapes["AU25"])


def _rigid_motion(face, shapes):
    # 'jaw thrust' that moves the whole head forward
    delta = np.zeros_like(face.vertices)
    delta[:, 1] = -0.006
    shapes["AD29"] = delta


def _empty_shape(face, shapes):
    shapes["AU8"] = np.zeros_like(face.vertices)


def _unmatched_mirror(face, shapes, SIDE=22):
    # a raised patch of extra vertices (a wart, a prop) on the left cheek only, moving with the skin under it
    p = face.vertices
    target = np.array([0.046, 0.0, 0.060])
    skin = np.flatnonzero(face.skin & (p[:, 1] < 0))
    d = np.linalg.norm(p[skin][:, [0, 2]] - target[[0, 2]], axis=1)
    anchor = skin[np.argsort(d)[:1]][0]
    grid = np.linspace(-0.008, 0.008, SIDE)
    gx, gz = np.meshgrid(grid, grid)
    local = np.stack([gx.ravel(), np.zeros(gx.size), gz.ravel()], axis=1)
    new = (p[anchor] + local).astype(np.float32)
    # sit each new vertex just in front of its nearest skin vertex, and give it that vertex's motion
    near = skin[np.argmin(((p[skin][None, :, :][:, :, [0, 2]] - new[:, None, [0, 2]]) ** 2).sum(-1), axis=1)]
    # 4 mm proud of the skin: farther from any mirrored vertex than the mirror tolerance
    new[:, 1] = p[near, 1] - 0.004
    vertices = np.vstack([p, new]).astype(np.float32)
    base = len(p)
    faces = list(face.faces)
    for i in range(SIDE - 1):
        for j in range(SIDE - 1):
            a = base + i * SIDE + j
            faces.append((a, a + 1, a + SIDE + 1, a + SIDE))
    out = {name: np.vstack([delta, delta[near]]).astype(np.float32) for name, delta in shapes.items()}
    return vertices, faces, out


def _nan_delta(face, shapes):
    shapes["AU12_L"] = shapes["AU12_L"].copy()
    shapes["AU12_L"][100] = np.nan


RECIPES = {
    "clean": _clean_rig,
    "missing-au23-vertical": _missing_au23_vertical,
    "missing-au12-right": _missing_au12_right,
    "unknown-name": _unknown_name,
    "duplicate-mapping": _duplicate_mapping,
    "pair-mismatch": _pair_mismatch,
    "bilateral-asymmetric": _bilateral_asymmetric,
    "side-crossover": _side_crossover,
    "sides-swapped": _sides_swapped,
    "leakage-au12-brows": _leakage_au12_brows,
    "leakage-au26-forehead": _leakage_au26_forehead,
    "island-au26-brows": _island_au26_brows,
    "duplicate-au18-au22": _duplicate_18_22,
    "pucker-funnel": _pucker_funnel,
    "duplicate-au43-au45": _duplicate_43_45,
    "au25-rotates-jaw": _au25_rotates_jaw,
    "au23-indistinct": _au23_indistinct,
    "combination-name": _combination_name,
    "baked-pair": _baked_pair,
    "rigid-motion": _rigid_motion,
    "empty-shape": _empty_shape,
    "unmatched-mirror": _unmatched_mirror,
    "nan-delta": _nan_delta,
}


def write_corpus(out_dir):
    """Write every manifest variant as ``out_dir/<id>.blend`` (needs ``bpy``). Returns the paths."""
    from sample_rigs.build_blend import write_blend

    out_dir = Path(out_dir)
    return [write_blend(out_dir / f"{entry['id']}.blend", variant=entry["id"]) for entry in load_manifest()]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python sample_rigs/defects.py OUT_DIR")
    for written in write_corpus(sys.argv[1]):
        print(f"wrote {written}")
