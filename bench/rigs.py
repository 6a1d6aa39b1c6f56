"""Benchmark rigs of any size, built from the sample face (``sample_rigs``) and written with bpy.

How a size ``n`` vertices x ``k`` shape keys is reached:

- **Vertices**: the sample head is a grid of rings (``face_model.ROW_STEP`` between rows,
  ``face_model.HALF_COLUMNS`` columns per half ring). The generator is run again with both scaled by
  the same factor ``s`` (rows / s apart, columns x s), so the surface, the features, the eye holes
  and the mouth slit are the same head at another density; ``s`` is searched so the vertex count lands
  within 2 % of ``n``. The shape deltas are analytic fields of the vertex positions (fall-offs around
  landmarks, a jaw rotating about its hinge), so every density gets the same shapes, sampled finer.
  The eyeballs keep their fixed resolution (~500 vertices).
- **Shape keys**: the 70 FACS-coded shapes of ``named_shapes(face, naming="facs")`` come first. More
  keys are combination (corrective) shapes, the way film rigs grow past their AU list: two parents
  of the same side (``AU6_AU12_L`` and its mirror ``AU6_AU12_R``) or two bilateral ones
  (``AU25_AU26``), each holding ``-0.2 x (parent A + parent B)`` (a corrective that tones the sum
  down), in a fixed pseudo-random order (seed 6). Fewer than 70 keys: the first ``k`` of the list.

Corrective rig (``--correctives``, ``corrective_shapes``): the 52 ARKit shapes of the sample face named
ICT-style (``mouthSmile_L``, ``jawOpen``), then correctives named like ``mouthSmile_L_eyeBlink_L_combo240``
(two same-side or two bilateral parents and a ``_combo<n>`` tag), the naming load of a film rig.

Everything is deterministic: the same size gives the same rig.
"""

import contextlib
import itertools
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sample_rigs import face_model  # noqa: E402

try:  # named_shapes moved from face_model to sample_rigs.naming; accept either home
    from sample_rigs.naming import NAMINGS, named_shapes  # noqa: E402
except ImportError:  # pragma: no cover
    from sample_rigs.face_model import named_shapes  # noqa: E402

_SIMPLE_LATERAL = re.compile(r"^(A[UD]\d+)_([LR])$")
_SIMPLE_BILATERAL = re.compile(r"^A[UD]\d+[HV]?$")
CORRECTIVE = -0.2
_DIRECTIONS = {"jawLeft", "jawRight", "mouthLeft", "mouthRight"}


def parse_size(text):
    """'30000x300', '30kx300' or '0.1mx150' -> (vertices, keys)."""
    match = re.fullmatch(r"\s*([\d.]+)\s*([kKmM]?)\s*[xX]\s*(\d+)\s*", text)
    if not match:
        raise ValueError(f"size must look like 30000x300 or 30kx300, got '{text}'")
    scale = {"": 1, "k": 1000, "m": 1000000}[match.group(2).lower()]
    return int(round(float(match.group(1)) * scale)), int(match.group(3))


def size_label(vertices, keys):
    return f"{vertices // 1000}k x {keys}" if vertices >= 1000 else f"{vertices} x {keys}"


@contextlib.contextmanager
def _density(factor):
    saved = face_model.ROW_STEP, face_model.HALF_COLUMNS
    face_model.ROW_STEP = saved[0] / factor
    face_model.HALF_COLUMNS = max(8, int(round(saved[1] * factor)))
    try:
        yield
    finally:
        face_model.ROW_STEP, face_model.HALF_COLUMNS = saved


def face_with_vertices(target):
    """The sample head re-gridded to about ``target`` vertices (within 2 %, or the closest found)."""
    base = face_model.build_face()
    best = base
    factor = 1.0
    for _ in range(6):
        count = len(best.vertices)
        if abs(count - target) <= 0.02 * target:
            break
        # vertex count grows with the square of the density factor (eyeballs excepted)
        factor *= np.sqrt(target / count)
        with _density(factor):
            candidate = face_model.build_face()
        if abs(len(candidate.vertices) - target) < abs(len(best.vertices) - target):
            best = candidate
    return best


def combination_names(names):
    """Combination shapes over ``names``: (combo name, parent A, parent B), in a fixed shuffled order."""
    lateral = {}
    for name in names:
        match = _SIMPLE_LATERAL.match(name)
        if match:
            lateral.setdefault(match.group(2), []).append((match.group(1), name))
    bilateral = [n for n in names if _SIMPLE_BILATERAL.match(n)]
    pairs = []
    for (a, na), (b, nb) in itertools.combinations(lateral.get("L", []), 2):
        pairs.append([(f"{a}_{b}_L", na, nb), (f"{a}_{b}_R", na[:-1] + "R", nb[:-1] + "R")])
    for a, b in itertools.combinations(bilateral, 2):
        pairs.append([(f"{a}_{b}", a, b)])
    order = np.random.default_rng(6).permutation(len(pairs))
    return [combo for i in order for combo in pairs[i]]


def build_shapes(face, keys):
    """``{name: (n, 3) float32 delta}`` with exactly ``keys`` shapes (see the module docstring)."""
    base = named_shapes(face, naming="facs")
    names = list(base)[:keys]
    shapes = {name: base[name] for name in names}
    if keys > len(shapes):
        for combo, a, b in combination_names(list(base)):
            if len(shapes) == keys:
                break
            shapes[combo] = (CORRECTIVE * (base[a] + base[b])).astype(np.float32)
        if len(shapes) < keys:
            raise ValueError(f"cannot make {keys} shapes from the sample face (at most {len(shapes)})")
    return shapes


def corrective_names(names):
    """Film-style correctives over ICT/ARKit-style ``names`` (``mouthSmile_L``): (name, parent A, parent B).

    Two same-side parents (``mouthSmile_L_eyeBlink_L``) or two bilateral ones (``jawOpen_mouthClose``),
    each name ending in a ``_combo<number>`` tag, in a fixed shuffled order (seed 12).
    """
    lateral = {"L": [n for n in names if n.endswith("_L")], "R": [n for n in names if n.endswith("_R")]}
    bilateral = [n for n in names if not n.endswith(("_L", "_R"))]
    pairs = [(a, b) for side in "LR" for a, b in itertools.combinations(lateral[side], 2)]
    pairs += list(itertools.combinations(bilateral, 2))
    order = np.random.default_rng(12).permutation(len(pairs))
    return [(f"{pairs[i][0]}_{pairs[i][1]}_combo{j}", *pairs[i]) for j, i in enumerate(order)]


def ict_style(name):
    """An ARKit name written ICT-style: ``mouthSmileLeft`` -> ``mouthSmile_L`` (jawLeft keeps its name)."""
    return name if name in _DIRECTIONS else re.sub(r"(Left|Right)$", lambda m: "_" + m.group(1)[0], name)


def corrective_rig_names(keys):
    """The shape-key names of ``corrective_shapes``: (name, parent A, parent B); parents are None for the
    52 ARKit shapes."""
    base = [ict_style(name) for name in NAMINGS["arkit"].values()][:keys]
    out = [(name, None, None) for name in base]
    for combo in corrective_names(base):
        if len(out) >= keys:
            break
        out.append(combo)
    return out


def corrective_shapes(face, keys):
    """``{name: delta}``: the 52 ARKit shapes of the sample face named ICT-style (``eyeBlink_L``), then
    ``keys - 52`` correctives named like ``mouthSmile_L_eyeBlink_L_combo240``, each holding
    ``-0.2 x (parent A + parent B)``: the naming load of a film rig (issue 12, "fast name reading")."""
    base = {ict_style(name): delta for name, delta in named_shapes(face, naming="arkit").items()}
    return {name: base[name] if a is None else (CORRECTIVE * (base[a] + base[b])).astype(np.float32)
            for name, a, b in corrective_rig_names(keys)}


def write_rig(path, vertices, keys, correctives=False):
    """Build the rig in the running bpy and save it (uncompressed) at ``path``; returns (n, k) actually built."""
    import bpy

    from sample_rigs.build_blend import make_mesh_object

    face = face_with_vertices(vertices)
    shapes = corrective_shapes(face, keys) if correctives else build_shapes(face, keys)
    bpy.ops.wm.read_factory_settings(use_empty=True)
    make_mesh_object("Face", face.vertices, face.faces, shapes)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    bpy.ops.wm.save_as_mainfile(filepath=str(path), compress=False)
    bpy.ops.wm.read_factory_settings(use_empty=True)
    return len(face.vertices), len(shapes)


if __name__ == "__main__":  # python bench/rigs.py OUT.blend 30000x300 [--correctives]
    n, k = parse_size(sys.argv[2])
    print(write_rig(sys.argv[1], n, k, correctives="--correctives" in sys.argv[3:]))
