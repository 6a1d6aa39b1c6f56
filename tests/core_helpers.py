"""Builders of pure-numpy rigs for core tests (no bpy), shared by the test modules.

Test modules import from here, never from each other. One rulebook for the whole suite (RULEBOOK):
tests that need a changed one load their own copy.
"""

import numpy as np

from facs_audit_addon.core import RigSnapshot, audit_rig, load_rulebook

RULEBOOK = load_rulebook()


# -- a flat grid where every named shape moves its own random patch ------------------------------

def grid_face(n_side=12):
    """A flat symmetric grid of vertices facing -Y, about 0.2 units across."""
    xs = np.linspace(-0.1, 0.1, n_side)
    zs = np.linspace(0.0, 0.24, n_side)
    x, z = np.meshgrid(xs, zs)
    return np.stack([x.ravel(), np.zeros(x.size), z.ravel()], axis=1).astype(np.float32)


def snapshot(names, basis=None, seed=0, empty=()):
    """A snapshot where every named shape moves its own random patch (nothing empty unless asked)."""
    basis = grid_face() if basis is None else basis
    rng = np.random.default_rng(seed)
    shapes = {}
    for name in names:
        delta = np.zeros_like(basis)
        if name not in empty:
            # left-named shapes move the character's left (+X), right-named ones the right
            side = np.ones(len(basis), dtype=bool)
            if name.endswith(("_L", "L")):
                side = basis[:, 0] > 0.02
            elif name.endswith(("_R", "R")):
                side = basis[:, 0] < -0.02
            picked = rng.choice(np.flatnonzero(side), 6, replace=False)
            delta[picked] = rng.normal(scale=0.01, size=(6, 3))
        shapes[name] = delta
    return RigSnapshot.from_shapes("Face", basis, shapes)


def findings(names, profile=None, rule_prefix=("naming.", "coverage."), **kwargs):
    """(rule, shapes) of the naming/coverage findings for a rig made of ``names``."""
    report = audit_rig(snapshot(names, **kwargs), RULEBOOK, profile=profile)
    return [f for f in report.findings if f.rule.startswith(rule_prefix)]


# -- the synthetic head: a closed, mirror-symmetric head with clean FACS shapes ------------------

#: rules of the geometric findings (see ``geometric``)
GEOMETRIC = ("symmetry.", "region.", "rig.unmatched-mirror")

EYE = (0.032, 0.12)
MOUTH_Z = 0.04
CORNER_X = 0.024


def head_points(columns=41, rows=61):
    """A closed, exactly mirror-symmetric head: front and back shells of an ellipsoid, metres.

    Front view of Blender: the face looks along -Y, Z up; x=0 is the mirror plane (``columns`` odd).
    """
    x = np.linspace(-0.075, 0.075, columns)
    z = np.linspace(-0.06, 0.24, rows)
    gx, gz = np.meshgrid(x, z)
    gx, gz = gx.ravel(), gz.ravel()
    bulge = np.sqrt(np.clip(1 - (gx / 0.08) ** 2, 0, 1))
    depth = 0.06 + 0.1 * (gz + 0.06)  # deeper toward the crown: no top-bottom symmetry
    front = np.stack([gx, -depth * bulge, gz], axis=1)
    back = np.stack([gx, 0.02 + 0.07 * bulge ** 2, gz], axis=1)  # no front-back symmetry
    return np.vstack([front, back]).astype(np.float32)


def blob(points, center, radius):
    """(n,) smooth weight: 1 at ``center`` (x, z) on the face front, fading over ``radius``."""
    d2 = ((points[:, 0] - center[0]) ** 2 + (points[:, 2] - center[1]) ** 2) / radius ** 2
    return (np.exp(-2 * d2) * (points[:, 1] < 0)).astype(np.float32)


def mirror_partners(points):
    """(n,) int64: index of the vertex at (-x, y, z) for each vertex of ``points`` (n, 3).

    ``points`` must be exactly mirror-symmetric about x=0 (coordinates compared to 1e-6 units).
    """
    grid = np.rint(np.asarray(points, dtype=np.float64) * 1e6).astype(np.int64)
    flipped = grid * np.array([-1, 1, 1])
    low = np.minimum(grid.min(axis=0), flipped.min(axis=0))
    span = np.maximum(grid.max(axis=0), flipped.max(axis=0)) - low + 1
    assert np.prod(span.astype(float)) < 2 ** 62, "mesh too large for one integer key per vertex"

    def key(rows):  # one integer per position, mixed radix
        rows = rows - low
        return (rows[:, 0] * span[1] + rows[:, 1]) * span[2] + rows[:, 2]

    keys = key(grid)
    order = np.argsort(keys)
    found = np.searchsorted(keys[order], key(flipped))
    partner = order[np.minimum(found, len(keys) - 1)]
    if not np.array_equal(grid[partner], flipped):
        raise ValueError("points are not mirror-symmetric about x=0")
    return partner


def mirror(points, delta):
    """``delta`` seen in the X=0 mirror (the head's vertex i mirrors to the vertex at (-x, y, z))."""
    out = delta[mirror_partners(points)].copy()
    out[:, 0] *= -1
    return out


def synthetic_shapes(points):
    """Clean FACS-coded shapes on ``head_points()``: pairs mirror exactly, bilateral shapes are symmetric."""
    shapes = {}
    lid = blob(points, (EYE[0], EYE[1] + 0.004), 0.012)
    shapes["AU45_L"] = lid[:, None] * np.array([0, 0, -0.005], dtype=np.float32)
    corner = blob(points, (CORNER_X, MOUTH_Z), 0.014)
    shapes["AU12_L"] = corner[:, None] * np.array([0.004, 0, 0.004], dtype=np.float32)
    shapes["AU15_L"] = corner[:, None] * np.array([0, 0, -0.003], dtype=np.float32)
    brow = blob(points, (0.03, 0.15), 0.015)
    shapes["AU2_L"] = brow[:, None] * np.array([0, 0, 0.004], dtype=np.float32)
    partners = mirror_partners(points)
    for name in ("AU45_L", "AU12_L", "AU15_L", "AU2_L"):
        twin = shapes[name][partners].copy()
        twin[:, 0] *= -1
        shapes[name[:-1] + "R"] = twin
    lips = blob(points, (0.0, MOUTH_Z), 0.018)
    up = np.where(points[:, 2] >= MOUTH_Z, 1.0, -1.0).astype(np.float32)
    shapes["AU25"] = (lips * up)[:, None] * np.array([0, 0, 0.003], dtype=np.float32)
    shapes["AU18"] = lips[:, None] * np.array([0, -0.004, 0], dtype=np.float32)
    # jaw drop: a rotation of the lower face about a hinge near the ears, fading in below the mouth
    hinge = np.array([0.0, 0.01, 0.09], dtype=np.float32)
    below = np.clip((MOUTH_Z + 0.01 - points[:, 2]) / 0.03, 0, 1) * (points[:, 1] < 0)
    angle = 0.12
    rel = points - hinge
    rotated = np.stack([rel[:, 0], rel[:, 1] * np.cos(angle) + rel[:, 2] * np.sin(angle),
                        -rel[:, 1] * np.sin(angle) + rel[:, 2] * np.cos(angle)], axis=1)
    shapes["AU26"] = ((rotated - rel) * below[:, None]).astype(np.float32)
    return shapes


def _frozen(array):
    array.setflags(write=False)  # shared by every synthetic_head(): a test must not change it in place
    return array


_HEAD = _frozen(head_points())
_HEAD_SHAPES = {name: _frozen(delta) for name, delta in synthetic_shapes(_HEAD).items()}


def synthetic_head(extra=None, drop=(), basis=None):
    """A RigSnapshot of the synthetic head with its clean shapes, ``extra`` shapes added or replaced."""
    points = _HEAD if basis is None else basis
    shapes = dict(_HEAD_SHAPES)
    shapes.update(extra or {})
    for name in drop:
        shapes.pop(name)
    return RigSnapshot.from_shapes("Head", points, shapes)


def geometric(snapshot, profile="facs-core"):
    """(rule, shapes) of the geometric findings of an audit."""
    report = audit_rig(snapshot, RULEBOOK, profile=profile)
    return [(f.rule, f.shapes) for f in report.findings if f.rule.startswith(GEOMETRIC)]


# -- the mouth face: a flat grid with a mouth, a jaw and two eyes (signature tests) --------------

#: rule families of the signature-based checks
SIGNATURE_RULES = ("conflation.", "coactivation.")

MOUTH_FACE_LIP_Z = 0.06     # lip line
MOUTH_FACE_WIDTH = 0.025    # mouth half-width
MOUTH_FACE_EYE = (0.032, 0.165)
_HINGE = np.array([0.0, 0.08, 0.10])  # behind the face (+Y) and above the mouth


def _mouth_grid():
    xs = np.arange(-0.08, 0.0801, 0.004)
    zs = np.arange(0.002, 0.24, 0.004)  # no row on the lip line: every lip vertex is upper or lower
    x, z = np.meshgrid(xs, zs)
    return np.stack([x.ravel(), np.zeros(x.size), z.ravel()], axis=1)


def _vec(out, up, forward, side):
    """A local (outward, up, forward) direction as a Blender delta (face looks along -Y) on ``side``."""
    return np.array([out * side, -forward, up])


def mouth_face():
    """(basis (n, 3) float32, {FACS name: (n, 3) float32 delta}) of a clean synthetic face."""
    mouth_z, width = MOUTH_FACE_LIP_Z, MOUTH_FACE_WIDTH
    eye_x, eye_z = MOUTH_FACE_EYE
    p = _mouth_grid()
    x, z = p[:, 0], p[:, 2]

    def blob(cx, cz, sigma):
        return np.exp(-((x - cx) ** 2 + (z - cz) ** 2) / (2 * sigma ** 2))[:, None]

    lips = ((np.abs(x) < width) & (np.abs(z - mouth_z) < 0.012)) * (1 - (x / width) ** 2)
    lips = lips[:, None]
    upper = (z > mouth_z)[:, None]

    def corners(out, up, forward, sides=(1, -1)):
        return sum(blob(s * width, mouth_z, 0.006) * _vec(out, up, forward, s) for s in sides)

    def jaw(angle):
        below = (z < mouth_z) & (np.abs(x) < 0.07)
        r = p - _HINGE
        c, s = np.cos(angle), np.sin(angle)
        turned = np.stack([r[:, 0], r[:, 1] * c - r[:, 2] * s, r[:, 1] * s + r[:, 2] * c], axis=1)
        return (turned - r) * below[:, None]

    lip_open = np.where(upper, 1.0, -1.0) * lips * np.array([0, 0, 1.0])
    forward = lips * np.array([0, -1.0, 0])
    shapes = {}
    for side, tag in ((1, "L"), (-1, "R")):
        shapes[f"AU12_{tag}"] = corners(0.6, 0.8, 0, (side,)) * 0.006
        shapes[f"AU20_{tag}"] = corners(1, 0, 0, (side,)) * 0.006
        shapes[f"AU15_{tag}"] = corners(0, -1, 0, (side,)) * 0.006
        shapes[f"AU14_{tag}"] = corners(-0.5, 0.1, -0.85, (side,)) * 0.006
        lid = blob(side * eye_x, eye_z, 0.005)
        shapes[f"AU45_{tag}"] = lid * np.array([0, 0, -0.005])
        shapes[f"AU43_{tag}"] = lid * np.array([0, 0, -0.0052])
        shapes[f"AU5_{tag}"] = lid * np.array([0, 0, 0.003])
        shapes[f"AU6_{tag}"] = blob(side * 0.035, 0.135, 0.008) * np.array([0, 0, 0.004])
        shapes[f"AU7_{tag}"] = blob(side * eye_x, 0.153, 0.004) * np.array([0, 0, 0.003])
    shapes["AU18"] = forward * 0.008 + corners(-1, 0, 0) * 0.006
    shapes["AU22"] = forward * 0.006 + lip_open * 0.006
    shapes["AU23H"] = corners(-1, 0, 0) * 0.005 - forward * 0.001
    shapes["AU23V"] = -lip_open * 0.003 + forward * 0.002
    shapes["AU24"] = -lip_open * 0.003
    shapes["AU25"] = lip_open * np.where(upper, 0.003, 0.004)
    shapes["AU26"] = jaw(0.15)
    shapes["AU27"] = jaw(0.30)
    return p.astype(np.float32), {name: np.asarray(d, dtype=np.float32) for name, d in shapes.items()}


def audit(shapes, basis=None, profile="generic", **kwargs):
    """The RigReport of ``shapes`` on the mouth face (or ``basis``) under ``profile``."""
    basis = mouth_face()[0] if basis is None else basis
    return audit_rig(RigSnapshot.from_shapes("Face", basis, shapes, **kwargs), RULEBOOK, profile=profile)


def mine(report):
    """(rule, shapes) of the conflation and co-activation findings, sorted."""
    return sorted((f.rule, f.shapes) for f in report.findings if f.rule.startswith(SIGNATURE_RULES))


#: the facs-core profile's required shapes, under FACS codes
FACS_CORE_NAMES = ["AU1", "AU2_L", "AU2_R", "AU4_L", "AU4_R", "AU5_L", "AU5_R", "AU6_L", "AU6_R", "AU7_L", "AU7_R",
        "AU9_L", "AU9_R", "AU10_L", "AU10_R", "AU12_L", "AU12_R", "AU14_L", "AU14_R", "AU15_L", "AU15_R", "AU16",
        "AU17", "AU18", "AU20_L", "AU20_R", "AU22", "AU23", "AU24", "AU25", "AU26", "AU28", "AU45_L", "AU45_R"]
