"""Plain values the audit works on: a rig snapshot in, findings and a report out."""

from dataclasses import dataclass, field

import numpy as np

from .errors import RigInputError

SEVERITIES = ("error", "warning", "info")
CATEGORIES = ("naming", "coverage", "symmetry", "region", "coactivation", "conflation", "rig")
SIDES = ("L", "R", "B")
#: the side a shape's mirror image is on (a bilateral shape mirrors onto itself)
OTHER_SIDE = {"L": "R", "R": "L", "B": "B"}


@dataclass(frozen=True)
class Driver:
    """A driver on a shape-key value, read without evaluating it."""

    shape: str
    #: ``(id_name, data_path)`` of every driver variable target
    targets: tuple = ()
    expression: str = ""


@dataclass(frozen=True)
class RigSnapshot:
    """Everything the audit needs from one mesh object, with no reference to Blender.

    basis : (n, 3) float32
        Basis positions in the object's world orientation (rotation and scale applied).
    deltas : (k, n, 3) float32
        Each shape key minus its relative key, in the same orientation as ``basis``.
    names : tuple of k str
        Shape key names, in key-block order, without the basis.
    """

    name: str
    basis: np.ndarray
    deltas: np.ndarray
    names: tuple
    relative_keys: tuple = ()
    muted: tuple = ()
    slider_ranges: tuple = ()
    #: name -> (n,) float32 weights
    vertex_groups: dict = field(default_factory=dict)
    #: per shape, the vertex group that masks it ('' for none)
    shape_vertex_groups: tuple = ()
    drivers: tuple = ()
    #: shape name -> ((frames...), (values...)) from the animation keyed on shape-key values
    animation: dict = field(default_factory=dict)
    basis_name: str = "Basis"
    source: str = ""

    def __post_init__(self):
        basis = np.asarray(self.basis, dtype=np.float32)
        deltas = np.asarray(self.deltas, dtype=np.float32)
        k = len(self.names)
        if basis.ndim != 2 or basis.shape[1] != 3:
            raise RigInputError(f"{self.name}: basis must be (n, 3), got {basis.shape}")
        if deltas.shape != (k, basis.shape[0], 3):
            raise RigInputError(
                f"{self.name}: shape keys do not match the mesh topology "
                f"(deltas {deltas.shape}, expected {(k, basis.shape[0], 3)})")
        object.__setattr__(self, "basis", basis)
        object.__setattr__(self, "deltas", deltas)
        object.__setattr__(self, "names", tuple(self.names))
        if not self.relative_keys:
            object.__setattr__(self, "relative_keys", (self.basis_name,) * k)
        if not self.muted:
            object.__setattr__(self, "muted", (False,) * k)
        if not self.slider_ranges:
            object.__setattr__(self, "slider_ranges", ((0.0, 1.0),) * k)
        if not self.shape_vertex_groups:
            object.__setattr__(self, "shape_vertex_groups", ("",) * k)

    @classmethod
    def from_shapes(cls, name, basis, shapes, **kwargs):
        """Build a snapshot from ``{shape name: (n, 3) delta}`` (tests and scripts)."""
        basis = np.asarray(basis, dtype=np.float32)
        names = tuple(shapes)
        deltas = np.zeros((len(names), basis.shape[0], 3), dtype=np.float32)
        for i, key in enumerate(names):
            deltas[i] = shapes[key]
        return cls(name=name, basis=basis, deltas=deltas, names=names, **kwargs)

    def index(self, shape):
        return self.names.index(shape)


@dataclass(frozen=True)
class Finding:
    """One problem: what rule, how bad, which actions and shapes, and the numbers behind it."""

    rule: str
    category: str
    severity: str
    message: str
    aus: tuple = ()
    shapes: tuple = ()
    side: str = ""
    measures: dict = field(default_factory=dict)
    #: offending vertex indices (worst first, capped) for selection in Blender
    vertices: tuple = ()
    #: ids of the fixes that apply (core/fixes.py), filled in when the report is made
    fixes: tuple = ()

    def sort_key(self):
        return (SEVERITIES.index(self.severity), self.category, self.rule, self.shapes, self.message)


@dataclass(frozen=True)
class ShapeSetInfo:
    """One group of shapes audited together (a prefixed set such as Rocketbox's ``AK_``)."""

    prefix: str
    convention: str
    profile: str
    shapes: int
    recognised: int


@dataclass(frozen=True)
class RigReport:
    """The audit of one mesh object."""

    file: str
    object: str
    profile: str
    convention: str
    sets: tuple
    findings: tuple
    vertices: int
    shapes: int

    def counts(self):
        counts = {severity: 0 for severity in SEVERITIES}
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts
