"""The rigs identify is measured on (and its references fitted from): the sample face and the shared
real rigs, each with the truth its own names give. Names are hidden before identify sees a rig."""

import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from facs_audit_addon.core import RigSnapshot, load_rulebook, read_sets  # noqa: E402

REAL = ROOT.parent / "shared" / "real_rigs"
MPFB = ROOT / "examples" / "mpfb_convention.toml"


def truth_of(snapshot, rulebook, convention=None):
    """{name: (action, side, variant)} of the single-action shapes with an unambiguous code."""
    sets = read_sets(snapshot.names, rulebook, None, convention)
    return {name: (p.au, p.side, p.variant) for s in sets for name, p in s.parsed.items()
            if not rulebook.catalog[p.au].ambiguous}


def hidden(snapshot):
    """The same geometry with every name replaced (``k000``, ``k001``, ...) and nothing else kept."""
    names = tuple(f"k{i:03d}" for i in range(len(snapshot.names)))
    return RigSnapshot(name=snapshot.name, basis=snapshot.basis, deltas=snapshot.deltas, names=names)


def subset(snapshot, prefix):
    keep = [i for i, n in enumerate(snapshot.names) if n.startswith(prefix)]
    return RigSnapshot(name=snapshot.name, basis=snapshot.basis, deltas=snapshot.deltas[keep],
                       names=tuple(snapshot.names[i] for i in keep))


def sample_rigs():
    """(label, snapshot, rulebook, convention) of the sample face under its namings."""
    from sample_rigs.face_model import NAMINGS, build_face, named_shapes
    face = build_face()
    rulebook = load_rulebook()
    for naming in NAMINGS:
        yield f"sample face ({naming})", RigSnapshot.from_shapes("Face", face.vertices, named_shapes(face, naming)), \
            rulebook, None


def real_rigs():
    """(label, snapshot, rulebook, convention) of each shared real rig found (needs bpy)."""
    from facs_audit_addon.blender.load import load_snapshots
    rulebook = load_rulebook()
    ict = REAL / "ict_facekit" / "ict_facekit_57shapes.glb"
    male = REAL / "rocketbox_headbox" / "Male_Adult_03_facial.fbx"
    human = REAL / "mpfb_expression_units" / "makehuman_mpfb_expression_units.blend"
    if ict.is_file():
        yield "ICT FaceKit (ARKit names)", load_snapshots(ict)[0], rulebook, None
    if male.is_file():
        snapshot = load_snapshots(male)[0]
        yield "Rocketbox male (AU_ set, FACS codes)", subset(snapshot, "AU_"), rulebook, "facs-code"
        yield "Rocketbox male (AK_ set, ARKit names)", subset(snapshot, "AK_"), rulebook, "arkit"
    if human.is_file():
        yield "MakeHuman expression units (mpfb convention)", load_snapshots(human)[0], \
            load_rulebook(extra_files=[MPFB]), "mpfb"
