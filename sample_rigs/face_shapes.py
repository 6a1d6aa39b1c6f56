"""FACS shape deltas for the sample head (pure numpy).

Every shape is a smooth field: compact radial fall-offs around anatomical landmarks, a jaw that
rotates about a hinge near the ears, lid margins that travel along the eye opening. Left shapes are
built on the +X side (fading to zero within 3 mm of the midline) and mirrored into right shapes;
bilateral shapes are symmetrised. See ``FACS_BRIEF.md`` for what each action does.

Internal shape ids are FACS-code names (``AU12_L``, ``AU23H``, ``AD30_left``); a few extra ids
(``gaze_up_L``, ``MS_left``, ``AU28_upper`` ...) exist only for the ARKit table in ``naming.py``.
"""

import hashlib

import numpy as np

from sample_rigs.face_model import (EYE_HALF_HEIGHT, EYE_HALF_WIDTH, EYE_X, EYE_Z, HINGE, MOUTH_HALF_WIDTH,
                                    MOUTH_Z, blob, smoothstep)

# Left/right ids built here; their right twins are mirrors.
LATERAL = ("AU1", "AU2", "AU4", "AU4_corrugator", "AU4_depressor", "AU4_procerus", "AU5", "AU6", "AU7",
           "AU43", "AU45", "AU46", "AU9", "AU10", "AU11", "AU38", "AU39", "AU12", "AU13", "AU14", "AU20",
           "AU21", "AU15", "AU16", "AU24", "AD36", "gaze_up", "gaze_down", "gaze_in", "gaze_out")
BILATERAL = ("AU17", "AU8", "AU18", "AU22", "AU23H", "AU23V", "AU28", "AU25", "AU26", "AU27", "AD19", "AD29",
             "AD32", "AD33", "AD34", "AD35", "AU1_both", "AU17_upper", "AU28_upper", "AU28_lower")
# Directional pairs: the second is the mirror image of the first.
DIRECTIONAL = (("AD30_left", "AD30_right"), ("MS_left", "MS_right"))


class _Fields:
    """Positions and masks shared by the shape builders (float64 for accuracy)."""

    def __init__(self, face):
        self.face = face
        p = face.vertices.astype(np.float64)
        self.p = p
        self.x, self.y, self.z = p[:, 0], p[:, 1], p[:, 2]
        self.ax = np.abs(self.x)
        self.skin = face.skin.astype(np.float64)
        self.front = self.skin * smoothstep(-0.02, -0.05, self.y)
        # a left shape fades to zero within 3 mm of the midline
        self.left = smoothstep(-0.003, 0.003, self.x)
        z, ax = self.z, self.ax
        # soft 'above the lip line': sharp inside the slit, gradual beyond the corners where skin connects
        soft = 0.0009 + 0.004 * smoothstep(MOUTH_HALF_WIDTH - 0.002, MOUTH_HALF_WIDTH + 0.006, ax)
        self.above = smoothstep(MOUTH_Z - soft, MOUTH_Z + soft, z)
        self.mouth_w = smoothstep(MOUTH_HALF_WIDTH + 0.008, MOUTH_HALF_WIDTH - 0.004, ax) * self.front
        self.upper_red = self.mouth_w * self.above * smoothstep(MOUTH_Z + 0.012, MOUTH_Z + 0.005, z)
        self.lower_red = self.mouth_w * (1 - self.above) * smoothstep(MOUTH_Z - 0.015, MOUTH_Z - 0.007, z)
        self.corner = np.array([MOUTH_HALF_WIDTH, -0.084, MOUTH_Z])
        # left eye coordinates: the opening is the unit circle of (u, v)
        self.u = (self.x - EYE_X) / EYE_HALF_WIDTH
        self.v = (z - EYE_Z) / EYE_HALF_HEIGHT - 0.15 * self.u
        self.e = np.sqrt(self.u ** 2 + self.v ** 2)
        self.rim = np.sqrt(np.clip(1.0 - self.u ** 2, 0.0, None)) ** 1.2  # rim height profile along u
        self.jaw = self._jaw_weight()

    def _jaw_weight(self):
        """How much each vertex follows the mandible: lower lip, chin, jaw line; not the upper face."""
        z, ax, y = self.z, self.ax, self.y
        soft = 0.0012 + 0.02 * smoothstep(MOUTH_HALF_WIDTH - 0.003, MOUTH_HALF_WIDTH + 0.02, ax)
        below = smoothstep(MOUTH_Z + soft, MOUTH_Z - soft, z)
        forward = smoothstep(0.03, -0.005, y)
        neck = smoothstep(-0.045, -0.005, z)
        return below * forward * neck * self.skin

    def vec(self, weight, dx=0.0, dy=0.0, dz=0.0):
        """Delta field: ``weight`` times the vector (dx, dy, dz)."""
        return weight[:, None] * np.array([dx, dy, dz])[None, :]

    def lid(self, upper, reach):
        """Weight of the upper (or lower) lid around the left eye, 1 at the margin, 0 at ``e = reach``."""
        side = smoothstep(-0.3, 0.3, self.v) if upper else smoothstep(0.3, -0.3, self.v)
        return side * smoothstep(reach, 1.05, self.e) * smoothstep(1.35, 1.0, np.abs(self.u)) * self.front

    def jaw_rotation(self, angle):
        """Delta of rotating the jaw-weighted vertices by ``angle`` (radians, opening) about the hinge."""
        hy, hz = HINGE[1], HINGE[2]
        dy, dz = self.y - hy, self.z - hz
        c, s = np.cos(angle), np.sin(angle)
        ry, rz = dy * c - dz * s, dy * s + dz * c
        out = np.zeros_like(self.p)
        out[:, 1] = (ry - dy) * self.jaw
        out[:, 2] = (rz - dz) * self.jaw
        return out


# -- upper face ------------------------------------------------------------------------------------
def _au1(f):
    w = blob(f.p, (0.016, -0.085, 0.145), (0.020, 0.05, 0.022)) * f.left * f.front
    above = blob(f.p, (0.016, -0.08, 0.172), (0.024, 0.05, 0.030)) * f.left * f.front
    return f.vec(w, dz=0.0055) + f.vec(above, dz=0.002, dy=-0.0005)


def _au2(f):
    w = blob(f.p, (0.048, -0.07, 0.146), (0.022, 0.05, 0.020)) * f.front
    above = blob(f.p, (0.046, -0.07, 0.172), (0.026, 0.05, 0.030)) * f.front
    fold = f.lid(True, 2.6) * smoothstep(-0.3, 0.8, f.u) * 0.4
    return f.vec(w, dz=0.006) + f.vec(above, dz=0.002) + f.vec(fold, dz=0.0012)


def _au4_corrugator(f):
    w = blob(f.p, (0.020, -0.085, 0.142), (0.022, 0.05, 0.016)) * f.left * f.front
    return f.vec(w, dx=-0.0035, dz=-0.0015, dy=-0.0005)


def _au4_depressor(f):
    w = blob(f.p, (0.014, -0.085, 0.138), (0.014, 0.05, 0.014)) * f.left * f.front
    return f.vec(w, dz=-0.0035)


def _au4_procerus(f):
    w = blob(f.p, (0.0, -0.085, 0.127), (0.014, 0.05, 0.014)) * f.left * f.front
    return f.vec(w, dz=-0.003, dy=0.0003)


def _au4(f):
    brow = blob(f.p, (0.030, -0.08, 0.142), (0.036, 0.05, 0.022)) * f.left * f.front
    return (f.vec(brow, dz=-0.0035, dx=-0.002) + 0.5 * _au4_corrugator(f) + 0.5 * _au4_depressor(f)
            + 0.5 * _au4_procerus(f))


def _au5(f):
    w = f.lid(True, 2.1) * f.rim
    return f.vec(w, dz=0.5 * EYE_HALF_HEIGHT, dy=0.0008)


def _au6(f):
    cheek = blob(f.p, (0.038, -0.075, 0.098), (0.022, 0.05, 0.018)) * f.front
    under_lid = f.lid(False, 2.6) * smoothstep(1.0, 1.5, f.e)
    crow = blob(f.p, (0.052, -0.06, 0.118), (0.009, 0.05, 0.010)) * f.front
    return f.vec(cheek, dz=0.0035, dy=-0.0015) + f.vec(under_lid, dz=0.0015) + f.vec(crow, dx=-0.001)


def _au7(f):
    lower = f.lid(False, 1.7) * f.rim
    upper = f.lid(True, 1.5) * f.rim
    return f.vec(lower, dz=0.45 * EYE_HALF_HEIGHT, dy=-0.0004) + f.vec(upper, dz=-0.1 * EYE_HALF_HEIGHT)


def _closure(f, meet, reach_upper=2.2, reach_lower=1.8):
    """Upper lid margin down and lower lid margin up until they meet at ``v = meet * rim``."""
    upper = f.lid(True, reach_upper) * f.rim
    lower = f.lid(False, reach_lower) * f.rim
    return (f.vec(upper, dz=-(1.0 - meet) * EYE_HALF_HEIGHT, dy=-0.0008)
            + f.vec(lower, dz=(1.0 + meet) * EYE_HALF_HEIGHT))


def _au43(f):
    # the upper lid does the work; the lower lid barely moves
    return _closure(f, -0.6)


def _au45(f):
    # blink: lids meet higher, the lower lid rises more, and the orbit squeezes a little
    squeeze = blob(f.p, (EYE_X, -0.07, EYE_Z), (0.03, 0.05, 0.03)) * f.front * smoothstep(1.3, 2.0, f.e)
    toward = np.stack([-(f.x - EYE_X), np.zeros_like(f.x), -(f.z - EYE_Z)], axis=1)
    return _closure(f, -0.1, 2.6, 2.4) + 0.12 * squeeze[:, None] * toward


def _au46(f):
    return _closure(f, -0.4) + 0.7 * _au6(f) + 0.3 * _au7(f)


# -- mid face --------------------------------------------------------------------------------------
def _au9(f):
    bridge = blob(f.p, (0.006, -0.09, 0.103), (0.010, 0.05, 0.020)) * f.left * f.front
    ala = blob(f.p, (0.017, -0.1, 0.068), (0.011, 0.05, 0.011)) * f.front
    lip = blob(f.p, (0.008, -0.09, MOUTH_Z + 0.006), (0.014, 0.05, 0.010)) * f.left * f.above * f.front
    brow = blob(f.p, (0.014, -0.085, 0.138), (0.012, 0.05, 0.012)) * f.left * f.front
    return (f.vec(bridge, dz=0.002, dx=-0.0005, dy=-0.0005) + f.vec(ala, dz=0.003, dy=-0.0008)
            + f.vec(lip, dz=0.0015) + f.vec(brow, dz=-0.0012))


def _au10(f):
    w = blob(f.p, (0.011, -0.09, MOUTH_Z + 0.007), (0.020, 0.06, 0.018)) * f.above * f.left * f.front
    return f.vec(w, dz=0.0045, dy=-0.001)


def _au11(f):
    w = blob(f.p, (0.026, -0.085, 0.056), (0.012, 0.05, 0.014)) * f.front
    return f.vec(w, dz=0.002, dx=0.0012, dy=-0.001)


def _au38(f):
    w = blob(f.p, (0.019, -0.1, 0.067), (0.009, 0.05, 0.009)) * f.front
    return f.vec(w, dx=0.0022, dy=-0.0004)


def _au39(f):
    w = blob(f.p, (0.019, -0.1, 0.067), (0.009, 0.05, 0.009)) * f.front
    return f.vec(w, dx=-0.0016, dz=-0.0003)


# -- lip corners -----------------------------------------------------------------------------------
def _corner(f, radii, offset=(0.0, 0.0, 0.0)):
    return blob(f.p, f.corner + np.asarray(offset), radii) * f.front


def _au12(f):
    cheek = blob(f.p, (0.040, -0.08, 0.075), (0.020, 0.05, 0.022)) * f.front
    return f.vec(_corner(f, (0.020, 0.05, 0.018)), dx=0.005, dy=0.0015, dz=0.0055) + f.vec(cheek, dz=0.0015,
                                                                                           dy=-0.001)


def _au13(f):
    line = blob(f.p, (0.030, -0.085, 0.055), (0.010, 0.05, 0.016)) * f.front
    return f.vec(_corner(f, (0.011, 0.05, 0.013)), dx=0.0012, dy=-0.0005, dz=0.0065) + f.vec(line, dz=0.002)


def _au14(f):
    dimple = blob(f.p, (0.031, -0.08, 0.038), (0.006, 0.05, 0.006)) * f.front
    return f.vec(_corner(f, (0.012, 0.05, 0.012)), dx=-0.0012, dy=0.004) + f.vec(dimple, dy=0.0015)


def _au15(f):
    return f.vec(_corner(f, (0.014, 0.05, 0.016), (0.0, 0.0, -0.003)), dz=-0.0045, dx=0.0008, dy=0.0005)


def _au20(f):
    return f.vec(_corner(f, (0.020, 0.05, 0.014)), dx=0.0055, dy=0.002, dz=-0.0006)


def _au21(f):
    w = blob(f.p, (0.030, -0.02, -0.035), (0.030, 0.05, 0.035)) * f.skin
    return f.vec(w, dz=-0.002, dy=0.001, dx=0.001)


# -- lower face ------------------------------------------------------------------------------------
def _au16(f):
    w = blob(f.p, (0.010, -0.09, MOUTH_Z - 0.006), (0.020, 0.05, 0.014)) * (1 - f.above) * f.left * f.front
    return f.vec(w, dz=-0.004, dy=-0.0015)


def _au17(f):
    chin = blob(f.p, (0.0, -0.09, 0.012), (0.022, 0.06, 0.016)) * f.front
    return f.vec(chin, dz=0.003, dy=-0.0015) + f.vec(f.lower_red, dz=0.0025, dy=-0.0025)


def _au17_upper(f):
    return f.vec(f.upper_red, dz=0.0015, dy=-0.0015)


def _au8(f):
    return f.vec(f.upper_red, dz=-0.0025, dy=-0.0012) + f.vec(f.lower_red, dz=0.0035, dy=-0.0012)


def _mouth_zone(f, radii=(0.040, 0.06, 0.026)):
    return blob(f.p, (0.0, -0.09, MOUTH_Z), radii) * f.front


def _au18(f):
    w = _mouth_zone(f, (0.050, 0.06, 0.030))
    out = np.zeros_like(f.p)
    out[:, 0] = -0.35 * f.x * w                # corners toward the midline
    out[:, 1] = -0.010 * w ** 1.5              # closed lips push forward
    out += f.vec(f.upper_red, dz=-0.0005) + f.vec(f.lower_red, dz=0.0005)   # and stay closed
    return out


def _au22(f):
    w = _mouth_zone(f)
    out = np.zeros_like(f.p)
    out[:, 0] = -0.10 * f.x * w
    out[:, 1] = -0.005 * w ** 1.5
    # flare: upper lip up and out, lower lip down and out, the aperture opens
    out += f.vec(f.upper_red, dz=0.003, dy=-0.0025) + f.vec(f.lower_red, dz=-0.0035, dy=-0.0025)
    return out


def _au23h(f):
    red = f.upper_red + f.lower_red
    out = np.zeros_like(f.p)
    out[:, 0] = -0.12 * f.x * _mouth_zone(f, (0.036, 0.06, 0.016))   # tightened along the width
    out += f.vec(red, dy=0.001)                # flattened against the teeth
    return out


def _au23v(f):
    skin_up = f.mouth_w * f.above * blob(f.p, (0.0, -0.09, MOUTH_Z + 0.014), (0.04, 0.06, 0.008))
    skin_down = f.mouth_w * (1 - f.above) * blob(f.p, (0.0, -0.09, MOUTH_Z - 0.016), (0.04, 0.06, 0.008))
    return (f.vec(f.upper_red, dz=-0.0022) + f.vec(f.lower_red, dz=0.0025)
            + f.vec(skin_up, dz=-0.0008) + f.vec(skin_down, dz=0.0008))


def _au24(f):
    bulge_up = f.mouth_w * f.above * blob(f.p, (0.0, -0.09, MOUTH_Z + 0.014), (0.04, 0.06, 0.007))
    bulge_down = f.mouth_w * (1 - f.above) * blob(f.p, (0.0, -0.09, MOUTH_Z - 0.017), (0.04, 0.06, 0.007))
    side = f.left
    return side[:, None] * (f.vec(f.upper_red, dz=-0.0015, dy=0.0012) + f.vec(f.lower_red, dz=0.0015, dy=0.0012)
                            + f.vec(bulge_up + bulge_down, dy=-0.001))


def _au28_upper(f):
    return f.vec(f.upper_red, dy=0.0035, dz=-0.0015)


def _au28_lower(f):
    return f.vec(f.lower_red, dy=0.0035, dz=0.0015)


def _au28(f):
    return _au28_upper(f) + _au28_lower(f)


def _au25(f):
    # lips only: the chin and the skin below the lower lip stay where they are
    return f.vec(f.upper_red, dz=0.0015) + f.vec(f.lower_red, dz=-0.005, dy=-0.0008)


def _au26(f):
    return f.jaw_rotation(0.16)


def _au27(f):
    out = f.jaw_rotation(0.30)
    # beyond the relaxed maximum the condyles glide forward and the digastric pulls the jaw down
    out += f.vec(f.jaw, dy=-0.008, dz=-0.008)
    out += f.vec(f.upper_red, dz=0.005)
    out += _puff_left(f, -0.002) + f.face.mirror_delta(_puff_left(f, -0.002))
    out[:, 0] += -0.08 * f.x * _mouth_zone(f)  # lips stretched vertically, corners drawn in
    return out


def _ad19(f):
    return f.vec(f.lower_red, dy=-0.005, dz=-0.003) + f.vec(f.upper_red, dz=0.001, dy=-0.001)


def _ad29(f):
    return f.vec(f.jaw, dy=-0.006)


def _ad30_left(f):
    return f.vec(f.jaw, dx=0.006)


def _ms_left(f):
    return f.vec(_mouth_zone(f, (0.045, 0.06, 0.030)), dx=0.005)


def _ad32(f):
    return f.vec(f.lower_red, dy=0.004, dz=0.0025)


def _puff_left(f, amount):
    w = blob(f.p, (0.042, -0.06, 0.048), (0.028, 0.06, 0.030)) * f.skin
    return f.vec(w, dx=amount, dy=-0.45 * amount)


def _ad34(f):
    return _puff_left(f, 0.006)


def _ad33(f):
    w = _mouth_zone(f, (0.03, 0.06, 0.02))
    lips = np.zeros_like(f.p)
    lips[:, 0] = -0.2 * f.x * w
    lips[:, 1] = -0.004 * w
    return 0.8 * _puff_left(f, 0.006) + lips * f.left[:, None]


def _ad35(f):
    return _puff_left(f, -0.004)


def _ad36(f):
    w = blob(f.p, (0.034, -0.08, 0.036), (0.012, 0.05, 0.012)) * f.front
    return f.vec(w, dx=0.003, dy=-0.004)


# -- gaze (ARKit only): the left eyeball turns, the lids follow a little ---------------------------
def _eye_turn(f, axis, angle):
    ball = (f.face.eyeball == 1).astype(np.float64)
    centre = f.face.landmarks["eye_L"].astype(np.float64)
    d = f.p - centre
    c, s = np.cos(angle), np.sin(angle)
    out = np.zeros_like(f.p)
    if axis == "x":   # pitch: positive looks up
        ry, rz = d[:, 1] * c - d[:, 2] * s, d[:, 1] * s + d[:, 2] * c
        out[:, 1], out[:, 2] = ry - d[:, 1], rz - d[:, 2]
    else:             # yaw: positive looks toward +X (the character's left)
        rx, ry = d[:, 0] * c - d[:, 1] * s, d[:, 0] * s + d[:, 1] * c
        out[:, 0], out[:, 1] = rx - d[:, 0], ry - d[:, 1]
    return out * ball[:, None]


def _gaze_up(f):
    return _eye_turn(f, "x", -0.35) + 0.4 * _au5(f)


def _gaze_down(f):
    return _eye_turn(f, "x", 0.35) + f.vec(f.lid(True, 2.1) * f.rim, dz=-0.4 * EYE_HALF_HEIGHT)


def _gaze_in(f):
    return _eye_turn(f, "z", -0.4)


def _gaze_out(f):
    return _eye_turn(f, "z", 0.4)


_BUILDERS = {
    "AU1": _au1, "AU2": _au2, "AU4": _au4, "AU4_corrugator": _au4_corrugator, "AU4_depressor": _au4_depressor,
    "AU4_procerus": _au4_procerus, "AU5": _au5, "AU6": _au6, "AU7": _au7, "AU43": _au43, "AU45": _au45,
    "AU46": _au46, "AU9": _au9, "AU10": _au10, "AU11": _au11, "AU38": _au38, "AU39": _au39, "AU12": _au12,
    "AU13": _au13, "AU14": _au14, "AU20": _au20, "AU21": _au21, "AU15": _au15, "AU16": _au16, "AU24": _au24,
    "AD36": _ad36, "gaze_up": _gaze_up, "gaze_down": _gaze_down, "gaze_in": _gaze_in, "gaze_out": _gaze_out,
    "AU17": _au17, "AU8": _au8, "AU18": _au18, "AU22": _au22, "AU23H": _au23h, "AU23V": _au23v, "AU28": _au28,
    "AU25": _au25, "AU26": _au26, "AU27": _au27, "AD19": _ad19, "AD29": _ad29, "AD32": _ad32, "AD33": _ad33,
    "AD34": _ad34, "AD35": _ad35, "AU1_both": _au1, "AU17_upper": _au17_upper, "AU28_upper": _au28_upper,
    "AU28_lower": _au28_lower, "AD30_left": _ad30_left, "MS_left": _ms_left,
}
# built on the left half and completed by their mirror image (bilateral ids whose builder is one-sided)
_FROM_LEFT_HALF = {"AU1_both", "AD33", "AD34", "AD35"}


def facs_shapes(face):
    """Every shape of the sample face: ``{internal id: (n, 3) float32 delta}``.

    Lateral ids come as ``<id>_L`` / ``<id>_R`` (exact mirrors); bilateral ids are exactly symmetric;
    directional pairs (``AD30_left`` / ``AD30_right``) mirror each other.

    The shapes of the last face given are kept, by the bytes of what the builders read (the tests build
    the same face again and again): the caller gets its own copies to change.
    """
    key = _face_key(face)
    if _LAST[0] != key:
        _LAST[:] = [key, _build_shapes(face)]
    return {name: delta.copy() for name, delta in _LAST[1].items()}


#: [key, shapes] of the last face facs_shapes built
_LAST = [None, None]


def _face_key(face):
    """What the builders read of ``face``, hashed: its vertices, mirror map, eyeballs and landmarks."""
    digest = hashlib.blake2b(digest_size=16)
    for array in (face.vertices, face.mirror, face.eyeball, *face.landmarks.values()):
        array = np.ascontiguousarray(array)
        digest.update(str((array.dtype, array.shape)).encode())
        digest.update(array.tobytes())
    digest.update(repr(sorted(face.landmarks)).encode())
    return digest.digest()


def _build_shapes(face):
    f = _Fields(face)
    out = {}
    for base in LATERAL:
        left = _BUILDERS[base](f).astype(np.float32)
        out[f"{base}_L"] = left
        out[f"{base}_R"] = face.mirror_delta(left)
    for base in BILATERAL:
        delta = _BUILDERS[base](f).astype(np.float32)
        if base in _FROM_LEFT_HALF:
            delta = delta + face.mirror_delta(delta)
        out[base] = face.symmetrize(delta)
    for first, second in DIRECTIONAL:
        delta = _BUILDERS[first](f).astype(np.float32)
        out[first] = delta
        out[second] = face.mirror_delta(delta)
    return out
