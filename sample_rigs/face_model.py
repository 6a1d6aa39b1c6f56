"""A head-like sample mesh and FACS shape deltas for it, in pure numpy (no ``bpy``).

The head is a grid of horizontal rings (rows in Z) wrapped around a vertical axis, with sculpted
features (brows, eye sockets, nose, nostril wings, lips, chin, cheekbones) added as depth offsets.
Two almond eye holes hold eyeballs and a slit separates the lips between the mouth corners.

Frame: Blender's front view. The face looks along -Y, Z is up, the character's left is +X.
Units are metres: chin at z=0, crown at z=0.24, about 0.15 wide.

The mesh is built as one half plus the centre line and mirrored, so every vertex with x != 0 has an
exact partner (``FaceModel.mirror``). Left shapes are built on the +X side and mirrored into right
shapes; bilateral shapes are symmetrised, so mirror relations hold to the bit.

Typical use::

    face = build_face()
    shapes = facs_shapes(face)                    # {internal id: (n, 3) float32 delta}
    named = named_shapes(face, naming="facs")     # {shape-key name: delta}
"""

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

# -- proportions (metres) ------------------------------------------------------------------------
CROWN_Z = 0.24
NECK_Z = -0.07
MOUTH_Z = 0.040          # the lip line, 1/3 of the way from the chin to the eyes
MOUTH_HALF_WIDTH = 0.024
EYE_X = 0.0315           # half the distance between the pupils
EYE_Z = 0.120            # eyes at half the head height
EYE_HALF_WIDTH = 0.0125  # almond opening: half width and half height
EYE_HALF_HEIGHT = 0.0052
EYEBALL_RADIUS = 0.0125
BROW_Z = 0.142
NOSE_TIP_Z = 0.074
NOSE_BASE_Z = 0.064
ALA_X = 0.0165
CHIN_Z = 0.012
HINGE = (0.060, 0.008, 0.090)  # jaw hinge (temporomandibular joint) in front of the ear, +X side

ROW_STEP = 0.002
HALF_COLUMNS = 72


@dataclass
class FaceModel:
    """The sample head.

    vertices : (n, 3) float32
        Basis positions (Blender front view, metres).
    faces : list of tuple of int
        Quads and triangles (the crown and the eyeball poles are triangle fans).
    mirror : (n,) int64
        Index of each vertex's mirror partner (itself on the centre line).
    landmarks : dict of str -> (3,) float32
        Named anatomical points; lateral ones carry ``_L`` / ``_R``.
    eyeball : (n,) int8
        0 for skin, 1 for the left eyeball, 2 for the right one.
    """

    vertices: np.ndarray
    faces: list
    mirror: np.ndarray
    landmarks: dict = field(default_factory=dict)
    eyeball: np.ndarray = None

    @property
    def skin(self):
        """(n,) bool: vertices of the head surface (not the eyeballs)."""
        return self.eyeball == 0

    def mirror_delta(self, delta):
        """The delta field seen in the X=0 mirror: a left shape becomes its right twin."""
        out = delta[self.mirror].copy()
        out[:, 0] = -out[:, 0]
        return out

    def copy(self):
        """A FaceModel with its own arrays, lists and landmarks."""
        return FaceModel(self.vertices.copy(), list(self.faces), self.mirror.copy(),
                         {name: point.copy() for name, point in self.landmarks.items()}, self.eyeball.copy())

    def symmetrize(self, delta):
        """Average a delta with its mirror image: exactly bilateral (bit for bit)."""
        return (0.5 * (delta + self.mirror_delta(delta))).astype(np.float32)


# -- small numeric helpers ------------------------------------------------------------------------
def smoothstep(edge0, edge1, x):
    """0 below ``edge0``, 1 above ``edge1`` (either order), smooth in between."""
    t = np.clip((np.asarray(x, dtype=np.float64) - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def blob(points, center, radii):
    """Smooth compact fall-off: 1 at ``center``, 0 beyond the ellipsoid of ``radii``.

    Compact support (not a Gaussian tail) keeps a shape from leaking faintly over the whole head.
    """
    d = (points - np.asarray(center, dtype=np.float64)) / np.asarray(radii, dtype=np.float64)
    r2 = np.einsum("ij,ij->i", d, d)
    w = np.clip(1.0 - r2, 0.0, None)
    return w * w * w


def _bump(x, z, cx, cz, sx, sz):
    return np.exp(-0.5 * (((x - cx) / sx) ** 2 + ((z - cz) / sz) ** 2))


def _smooth_profile(table, z, width=0.006):
    """Piecewise-linear profile ``table`` [(z, value)...] smoothed by a Gaussian, sampled at ``z``."""
    keys = np.array([k for k, _ in table])
    values = np.array([v for _, v in table])
    fine = np.arange(NECK_Z - 0.05, CROWN_Z + 0.05, 0.0005)
    raw = np.interp(fine, keys, values)
    taps = np.arange(-4 * width, 4 * width + 1e-9, 0.0005)
    kernel = np.exp(-0.5 * (taps / width) ** 2)
    kernel /= kernel.sum()
    pad = len(taps) // 2
    padded = np.concatenate([np.full(pad, raw[0]), raw, np.full(pad, raw[-1])])
    smooth = np.convolve(padded, kernel, mode="valid")
    return np.interp(z, fine, smooth)


# Head outline per height: half width, front (most forward, negative y) and back of the midline.
_WIDTH = [(-0.09, 0.052), (-0.03, 0.052), (-0.01, 0.053), (0.0, 0.054), (0.02, 0.060), (0.04, 0.065),
          (0.07, 0.070), (0.10, 0.073), (0.13, 0.075), (0.16, 0.074), (0.19, 0.068), (0.215, 0.055),
          (0.232, 0.036), (0.245, 0.0)]
_FRONT = [(-0.09, -0.036), (-0.028, -0.036), (-0.012, -0.050), (-0.002, -0.070), (0.008, -0.082),
          (0.02, -0.084), (0.04, -0.088), (0.06, -0.088), (0.09, -0.084), (0.12, -0.080), (0.145, -0.084),
          (0.17, -0.083), (0.195, -0.074), (0.215, -0.058), (0.232, -0.036), (0.245, 0.0)]
_BACK = [(-0.09, 0.060), (-0.03, 0.060), (0.02, 0.070), (0.06, 0.090), (0.10, 0.102), (0.15, 0.104),
         (0.19, 0.094), (0.215, 0.072), (0.232, 0.044), (0.245, 0.0)]
_MIDDLE = [(-0.09, 0.020), (0.0, 0.016), (0.05, 0.010), (0.24, 0.010)]


def _features(x, z):
    """Forward offset (metres toward -Y) of the sculpted features at (|x|, z)."""
    ax = np.abs(x)
    h = np.zeros_like(x)
    # nose: a ridge from the root to the tip, then the columella down to the lip
    t = np.clip((0.126 - z) / (0.126 - NOSE_TIP_Z), 0.0, 1.0)
    ridge = (0.006 + 0.020 * t ** 1.4) * smoothstep(0.132, 0.120, z) * smoothstep(NOSE_BASE_Z - 0.002,
                                                                                     NOSE_TIP_Z, z)
    ridge_width = 0.0055 + 0.006 * t
    h += ridge * np.exp(-0.5 * (ax / ridge_width) ** 2)
    # nostril wings (alae) beside the tip, and the nostril openings just under them
    h += 0.011 * _bump(ax, z, ALA_X - 0.002, 0.068, 0.0065, 0.0055)
    h -= 0.003 * _bump(ax, z, 0.0085, 0.0625, 0.0035, 0.002)
    # eye sockets, lid rims around the almond openings, brow ridges
    u, v = (ax - EYE_X) / EYE_HALF_WIDTH, (z - EYE_Z) / EYE_HALF_HEIGHT
    h -= 0.014 * _bump(ax, z, EYE_X, EYE_Z + 0.002, 0.016, 0.014)
    h += 0.0035 * np.exp(-0.5 * ((np.sqrt(u ** 2 + v ** 2) - 1.2) / 0.35) ** 2) * (np.abs(u) < 1.4)
    brow_z = BROW_Z + 0.006 * np.sin(np.pi * np.clip((ax - 0.010) / 0.048, 0, 1)) - 0.002
    h += 0.006 * np.exp(-0.5 * ((z - brow_z) / 0.006) ** 2) * smoothstep(0.004, 0.014, ax) \
        * smoothstep(0.066, 0.050, ax)
    h += 0.002 * _bump(ax, z, 0.0, 0.135, 0.012, 0.008)   # glabella
    # cheekbones and the nasolabial cheek mass
    h += 0.008 * _bump(ax, z, 0.047, 0.093, 0.014, 0.014)
    h += 0.004 * _bump(ax, z, 0.030, 0.060, 0.010, 0.012)
    # lips: upper and lower red, a slight groove at the lip line, the philtrum
    width = np.clip(1.0 - (ax / (MOUTH_HALF_WIDTH + 0.002)) ** 2, 0.0, None)
    h += 0.0065 * np.sqrt(width) * np.exp(-0.5 * ((z - (MOUTH_Z + 0.0045)) / 0.0035) ** 2)
    h += 0.0075 * np.sqrt(width) * np.exp(-0.5 * ((z - (MOUTH_Z - 0.0055)) / 0.0042) ** 2)
    h -= 0.0015 * _bump(ax, z, 0.0, MOUTH_Z + 0.013, 0.003, 0.006)
    # chin boss and the groove above it
    h += 0.007 * _bump(ax, z, 0.0, CHIN_Z, 0.014, 0.009)
    h -= 0.002 * _bump(ax, z, 0.0, 0.024, 0.012, 0.003)
    return h


def _head_grid():
    """Rows of rings: (rows, columns, 3) positions of the +X half, columns 0 and -1 on the midline."""
    s = np.linspace(0.0, 1.0, HALF_COLUMNS + 1)
    theta = np.pi * (0.5 * s + 0.5 * s * s)  # denser at the front where the features are
    theta[-1] = np.pi
    # put the lip line exactly between two rows so the mouth slit is one band of faces
    first = MOUTH_Z - ROW_STEP * (0.5 + np.floor((MOUTH_Z - NECK_Z) / ROW_STEP))
    z = first + ROW_STEP * np.arange(int((CROWN_Z - 0.003 - first) / ROW_STEP) + 1)
    width = _smooth_profile(_WIDTH, z, 0.004)
    front = _smooth_profile(_FRONT, z, 0.004)
    back = _smooth_profile(_BACK, z, 0.005)
    middle = _smooth_profile(_MIDDLE, z, 0.01)
    c, sn = np.cos(theta), np.sin(theta)
    # superellipse ring: a little squarer than an ellipse, like a real skull
    ex = 2.0 / 2.4
    cx = np.sign(c) * np.abs(c) ** ex
    sx = np.abs(sn) ** ex
    Z = np.repeat(z[:, None], len(theta), axis=1)
    X = width[:, None] * sx[None, :]
    depth = np.where(cx[None, :] >= 0, (middle - front)[:, None], (back - middle)[:, None])
    Y = middle[:, None] - depth * cx[None, :]
    # the jaw narrows toward the chin at the front while its angles stay wide
    taper = 0.38 * smoothstep(0.075, 0.012, Z) * smoothstep(-0.025, -0.005, Z)
    frontal = np.clip(cx, 0, 1)[None, :] ** 2
    X = X * (1.0 - taper * frontal)
    # sculpted features push the front surface forward
    facing = smoothstep(0.05, 0.5, cx)[None, :]
    Y = Y - _features(X, Z) * facing
    X[:, 0] = 0.0
    X[:, -1] = 0.0
    return np.stack([X, Y, Z], axis=-1)


def _eye_hole(x, z):
    """True inside the left almond opening (faces whose centre lies there are removed)."""
    u = (x - EYE_X) / EYE_HALF_WIDTH
    v = (z - EYE_Z) / EYE_HALF_HEIGHT
    # almond: the upper lid arches higher toward the inner corner
    v = v - 0.15 * u
    return u * u + v * v < 1.0


def _sphere(center, radius, rings=12, segments=20):
    """UV sphere with its poles on the Y axis (the front pole is the pupil)."""
    verts = [(0.0, -radius, 0.0)]
    for i in range(1, rings):
        phi = np.pi * i / rings
        for j in range(segments):
            a = 2 * np.pi * j / segments
            verts.append((radius * np.sin(phi) * np.cos(a), -radius * np.cos(phi), radius * np.sin(phi) * np.sin(a)))
    verts.append((0.0, radius, 0.0))
    verts = np.array(verts) + np.asarray(center)
    faces = []
    last = len(verts) - 1
    for j in range(segments):
        faces.append((0, 1 + (j + 1) % segments, 1 + j))
    for i in range(rings - 2):
        a0, b0 = 1 + i * segments, 1 + (i + 1) * segments
        for j in range(segments):
            j1 = (j + 1) % segments
            faces.append((a0 + j, a0 + j1, b0 + j1, b0 + j))
    base = 1 + (rings - 2) * segments
    for j in range(segments):
        faces.append((base + j, base + (j + 1) % segments, last))
    return verts, faces


def build_face():
    """Build the sample head: skin with eye holes and a mouth slit, plus two eyeballs.

    Built once per process (the tests use it again and again); each call gets its own copy to change.
    """
    return _built_face().copy()


@lru_cache(maxsize=1)
def _built_face():
    half = _head_grid()
    rows, cols = half.shape[:2]
    J = cols - 1
    # full ring: columns 0..J of the +X half, then the mirrored columns J-1..1
    ring = np.concatenate([half, half[:, J - 1:0:-1] * np.array([-1.0, 1.0, 1.0])], axis=1)
    n_ring = ring.shape[1]
    col_mirror = np.array([0] + [2 * J - c for c in range(1, J)] + [J] + [2 * J - c for c in range(J + 1, 2 * J)])
    verts = ring.reshape(-1, 3)
    mirror = (np.arange(rows)[:, None] * n_ring + col_mirror[None, :]).reshape(-1)
    # every quad of the grid (row-major), minus those whose centre lies in an eye hole or the mouth slit
    r, c = np.meshgrid(np.arange(rows - 1), np.arange(n_ring), indexing="ij")
    r, c = r.ravel(), c.ravel()
    c1 = (c + 1) % n_ring
    quads = np.stack([r * n_ring + c, r * n_ring + c1, (r + 1) * n_ring + c1, (r + 1) * n_ring + c], axis=1)
    centre = verts[quads].mean(axis=1)
    ax, front = np.abs(centre[:, 0]), centre[:, 1] < 0
    slit = (ring[:-1, 0, 2] < MOUTH_Z) & (MOUTH_Z < ring[1:, 0, 2])
    hole = (_eye_hole(ax, centre[:, 2]) | (slit[r] & (ax < MOUTH_HALF_WIDTH))) & front
    faces = [tuple(quad) for quad in quads[~hole].tolist()]
    # crown: one pole vertex closing the top ring
    pole = len(verts)
    top = (rows - 1) * n_ring
    verts = np.vstack([verts, [[0.0, 0.5 * (ring[-1, 0, 1] + ring[-1, J, 1]), CROWN_Z]]])
    mirror = np.append(mirror, pole)
    for c in range(n_ring):
        faces.append((top + c, top + (c + 1) % n_ring, pole))
    # drop vertices no face uses (the insides of the eye holes): the removal is symmetric
    used = np.zeros(len(verts), dtype=bool)
    used[np.fromiter((i for f in faces for i in f), dtype=np.int64)] = True
    remap = -np.ones(len(verts), dtype=np.int64)
    remap[used] = np.arange(used.sum())
    verts, mirror = verts[used], remap[mirror[used]]
    faces = [tuple(int(remap[i]) for i in f) for f in faces]
    # eyeballs: sit just behind the lid rims
    rim = verts[(np.abs(verts[:, 0] - EYE_X) < EYE_HALF_WIDTH) & (np.abs(verts[:, 2] - EYE_Z) < 0.008)]
    eye_front = float(np.median(rim[:, 1])) + 0.0015
    eye_center = np.array([EYE_X, eye_front + EYEBALL_RADIUS, EYE_Z])
    ball, ball_faces = _sphere(eye_center, EYEBALL_RADIUS)
    skin_count = len(verts)
    left0, right0 = skin_count, skin_count + len(ball)
    ball_right = ball * np.array([-1.0, 1.0, 1.0])
    verts = np.vstack([verts, ball, ball_right])
    mirror = np.concatenate([mirror, np.arange(right0, right0 + len(ball)), np.arange(left0, left0 + len(ball))])
    faces += [tuple(left0 + i for i in f) for f in ball_faces]
    faces += [tuple(right0 + i for i in reversed(f)) for f in ball_faces]
    eyeball = np.zeros(len(verts), dtype=np.int8)
    eyeball[left0:right0] = 1
    eyeball[right0:] = 2
    vertices = verts.astype(np.float32)
    # enforce the mirror to the bit (float32 rounding of x and -x is symmetric anyway)
    vertices[mirror, 0] = -vertices[:, 0]
    vertices[mirror == np.arange(len(vertices)), 0] = 0.0
    face = FaceModel(vertices=vertices, faces=faces, mirror=mirror, eyeball=eyeball)
    face.landmarks = _landmarks(face, eye_center)
    return face


def _surface_point(face, x, z):
    """The skin vertex nearest to (x, z) seen from the front."""
    v = face.vertices
    skin = face.skin & (v[:, 1] < 0.0)
    d = (v[:, 0] - x) ** 2 + (v[:, 2] - z) ** 2
    d[~skin] = np.inf
    return v[int(np.argmin(d))].copy()


def _landmarks(face, eye_center):
    marks = {
        "eye": np.asarray(eye_center, dtype=np.float32),
        "eye_inner": _surface_point(face, EYE_X - EYE_HALF_WIDTH, EYE_Z),
        "eye_outer": _surface_point(face, EYE_X + EYE_HALF_WIDTH, EYE_Z),
        "upper_lid": _surface_point(face, EYE_X, EYE_Z + EYE_HALF_HEIGHT + 0.001),
        "lower_lid": _surface_point(face, EYE_X, EYE_Z - EYE_HALF_HEIGHT - 0.001),
        "brow_inner": _surface_point(face, 0.016, BROW_Z),
        "brow_outer": _surface_point(face, 0.052, BROW_Z + 0.002),
        "cheek": _surface_point(face, 0.045, 0.090),
        "nose_wing": _surface_point(face, ALA_X + 0.003, 0.068),
        "mouth_corner": _surface_point(face, MOUTH_HALF_WIDTH, MOUTH_Z),
        "jaw_angle": np.array([0.054, 0.004, 0.022], dtype=np.float32),
        "jaw_hinge": np.array(HINGE, dtype=np.float32),
    }
    out = {}
    for name, point in marks.items():
        out[f"{name}_L"] = np.asarray(point, dtype=np.float32)
        out[f"{name}_R"] = np.asarray(point, dtype=np.float32) * np.array([-1, 1, 1], dtype=np.float32)
    out.update({
        "nose_root": _surface_point(face, 0.0, 0.126),
        "nose_tip": _surface_point(face, 0.0, NOSE_TIP_Z),
        "upper_lip": _surface_point(face, 0.0, MOUTH_Z + 0.004),
        "lower_lip": _surface_point(face, 0.0, MOUTH_Z - 0.005),
        "mouth": _surface_point(face, 0.0, MOUTH_Z),
        "chin": _surface_point(face, 0.0, CHIN_Z),
        "forehead": _surface_point(face, 0.0, 0.185),
        "crown": np.array([0.0, 0.0, CROWN_Z], dtype=np.float32),
        "throat": _surface_point(face, 0.0, -0.03),
    })
    return out


# Shapes and names live in their own modules; re-exported here so one import gives the whole face.
from sample_rigs.face_shapes import facs_shapes  # noqa: E402
from sample_rigs.naming import NAMINGS, named_shapes  # noqa: E402,F401
