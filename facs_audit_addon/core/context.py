"""What every check sees: the snapshot, the rulebook, how each name was read, and shared measures.

Measures several checks need (face frame, per-vertex motion) are computed once, on first use.
"""

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .geometry import row_norms
from .model import Finding
from .scratch import new_array


@dataclass
class ShapeSet:
    """Shapes audited together: one numbered prefix (or none) under one convention and profile."""

    prefix: str
    names: list
    convention: str = ""
    profile: object = None
    #: name -> ParsedName (single actions)
    parsed: dict = field(default_factory=dict)
    #: name -> ParsedName with .parts (combination shapes)
    combinations: dict = field(default_factory=dict)
    #: name -> convention, for names read with another convention than the set's own
    foreign: dict = field(default_factory=dict)
    unknown: list = field(default_factory=list)
    #: rest poses (naming.toml rest_names: _Neutral, a viseme sil): move nothing on purpose
    rest: list = field(default_factory=list)

    @property
    def recognised(self):
        return bool(self.parsed or self.combinations)


class AuditContext:
    """Inputs and cached measures for one rig audit."""

    def __init__(self, snapshot, rulebook, sets, primary_profile, scratch=None, chosen_profile=None):
        self.snapshot = snapshot
        #: the profile the user asked for (--profile), None when each set follows its convention's default
        self.chosen_profile = chosen_profile
        self.scratch = scratch
        self.rulebook = rulebook
        self.sets = sets
        self.primary_profile = primary_profile
        self._set_of = {name: shape_set for shape_set in sets for name in shape_set.names}
        #: shapes an incremental re-audit recomputes (None: a full audit, every shape)
        self.focus = None
        #: shapes whose deltas hold NaN/inf: geometric checks skip them
        self.invalid = {name for name, bad in zip(snapshot.names, self._nonfinite) if bad}
        self._mapped = self._mapped_now()
        #: row -> landmark vote of that shape (frame.py), kept by a re-audit for the shapes it did not change
        self.landmark_votes = {}

    # -- lookups ------------------------------------------------------------------------------
    def set_of(self, name):
        """The ShapeSet a shape belongs to (None for a name not in the rig)."""
        return self._set_of.get(name)

    def parsed(self, name):
        """The ParsedName of a single-action shape, or None (unknown or combination)."""
        return self._set_of[name].parsed.get(name)

    def profile_of(self, name):
        shape_set = self._set_of.get(name)
        return shape_set.profile if shape_set and shape_set.profile else self.primary_profile

    def threshold(self, key, shape=None):
        profile = self.profile_of(shape) if shape else self.primary_profile
        return profile.thresholds[key]

    def action(self, code):
        return self.rulebook.catalog[code]

    def label(self, parsed):
        """A parsed name's action, variant and side in words for messages: ``AU13 left``, ``AU23 horizontal``."""
        from .text import action_label
        return action_label(parsed.au, parsed.side, self.action(parsed.au).variant_word(parsed.variant))

    def asked(self, shape_set):
        """Whether the user asked for the profile ``shape_set`` is held to (see engine.audit_context)."""
        chosen = self.chosen_profile
        return chosen is None or shape_set.profile is None or shape_set.profile.name == chosen.name

    def touches(self, *names):
        """Whether work on ``names`` is needed: always in a full audit, only for focus shapes otherwise."""
        return self.focus is None or any(name in self.focus for name in names)

    def focused_shapes(self):
        """mapped_shapes() limited to the focus of an incremental re-audit."""
        if self.focus is None:
            return self._mapped
        return [shape for shape in self._mapped if shape[1] in self.focus]

    def refreshed(self, rows, focus):
        """A context for the same rig after the deltas of shapes ``rows`` changed in place.

        What depends on the whole face (frame, mirror map, regions, lip and eye zones) is held from this
        context; per-shape measures are recomputed for ``rows`` only. ``focus`` names the shapes whose
        findings the re-audit recomputes.
        """
        new = AuditContext.__new__(AuditContext)
        new.__dict__.update({key: value for key, value in self.__dict__.items() if key in _HELD})
        new.focus = frozenset(focus)
        motion, bad = self._motion_and_nonfinite
        deltas = self.snapshot.deltas
        for i in rows:
            bad[i] = _motion_row(deltas[i], motion[i])
        new._motion_and_nonfinite = (motion, bad)
        changed = set(rows)
        new.landmark_votes = {i: v for i, v in self.landmark_votes.items() if i not in changed}
        new.invalid = {name for name, nonfinite in zip(self.snapshot.names, bad) if nonfinite}
        new._mapped = new._mapped_now()
        if "peak_motion" in self.__dict__:
            new.peak_motion = _peak_update(motion, *self.peak_motion, rows)
        if "max_motion" in self.__dict__:
            new.max_motion = self.max_motion
            new.max_motion[rows] = motion[rows].max(axis=1) if motion.shape[1] else 0.0
        if "region_energy" in self.__dict__:
            new.region_energy = self.region_energy
            new.region_energy[rows] = _energy(motion[rows], self.region_masks.weights)
        if "rigid_explained" in self.__dict__:
            new.rigid_explained = self.rigid_explained
            new.rigid_explained[rows] = new._rigid_shares(rows)[rows]
        if "shape_cosines" in self.__dict__:
            new.shape_cosines = self.shape_cosines.update(rows, bad)
        if "sums" in self.__dict__:
            from .derived import find_sums
            new.sums = find_sums(new, held=self.sums, changed={self.snapshot.names[i] for i in rows})
        if "signatures" in self.__dict__:
            from .signatures import Signatures
            new.signatures = Signatures(new, geometry=self.signatures.geometry)
        if "described" in self.__dict__:
            new.described = {key: (rules, {row: part for row, part in parts.items() if row not in changed})
                             for key, (rules, parts) in self.described.items()}
        return new

    def mapped_shapes(self):
        """[(index, name, ParsedName)] of every single-action shape whose deltas are finite (do not change it).

        A list made with ``invalid`` (here and in refreshed): checks walk it many times per audit.
        """
        return self._mapped

    def _mapped_now(self):
        parsed_of = self.parsed
        return [(i, name, parsed) for i, name in enumerate(self.snapshot.names)
                if (parsed := parsed_of(name)) is not None and name not in self.invalid]

    # -- shared measures ----------------------------------------------------------------------
    @cached_property
    def _nonfinite(self):
        return self._motion_and_nonfinite[1]

    @cached_property
    def motion(self):
        """(k, n) float32: how far each shape moves each vertex (0 for shapes with NaN)."""
        return self._motion_and_nonfinite[0]

    @cached_property
    def _motion_and_nonfinite(self):
        # One pass over the deltas: a NaN or inf coordinate shows up in its vertex's squared length.
        deltas = self.snapshot.deltas
        out = new_array(self.scratch, "motion", deltas.shape[:2])
        bad = [_motion_row(delta, out[i]) for i, delta in enumerate(deltas)]
        return out, bad

    @cached_property
    def peak_motion(self):
        """((n,) float32, (n,) int64): each vertex's largest motion over all shapes, and a shape holding it.

        The frame's moving vertices come from it; a re-audit updates it for the changed shapes only.
        """
        if self.motion.shape[0] == 0:
            n = self.motion.shape[1]
            return np.zeros(n, dtype=np.float32), np.zeros(n, dtype=np.int64)
        # a running maximum row by row: argmax down the columns of a (k, n) array reads it with a stride of
        # n and took 150 ms on 30k x 300; this is ~10 ms and gives the same first row holding each peak
        motion = self.motion
        peak, row = motion[0].copy(), np.zeros(motion.shape[1], dtype=np.int64)
        for i in range(1, motion.shape[0]):
            higher = motion[i] > peak
            np.copyto(peak, motion[i], where=higher)
            row[higher] = i
        return peak, row

    @cached_property
    def max_motion(self):
        """(k,) float32: each shape's largest vertex motion."""
        if self.motion.shape[1] == 0:
            return np.zeros(self.motion.shape[0], dtype=np.float32)
        return self.motion.max(axis=1)

    @cached_property
    def frame(self):
        from .frame import estimate_frame
        return estimate_frame(self)

    @cached_property
    def basis_local(self):
        """(n, 3) float32: the basis in the face frame (``frame.local``), read-only."""
        local = self.frame.local(self.snapshot.basis)
        local.flags.writeable = False
        return local

    def side_vertices(self, side):
        """The vertices of one side of the face: ``L`` lateral > 0, ``R`` < 0 (index arrays), ``B`` all
        (a slice)."""
        if side == "B":
            return slice(None)
        lateral = self.basis_local[:, 0]
        return np.flatnonzero(lateral > 0 if side == "L" else lateral < 0)

    def side_deltas(self, side):
        """((k, 3m) float64, (k,) row norms): every shape's deltas on one side's vertices (``L``: lateral
        > 0, ``R``: < 0, ``B``: all), flattened; None above SIDE_DELTAS_MOST bytes (the caller then
        reads the rows it needs). Kept per side until a shape changes: the earlier-meaning check compares
        each of its shapes with every other shape on the same side."""
        held = self._side_deltas
        if side not in held:
            deltas = self.snapshot.deltas
            keep = self.side_vertices(side)
            count = deltas.shape[1] if side == "B" else len(keep)
            flat = None
            if len(deltas) * count * 3 * 8 <= SIDE_DELTAS_MOST:
                # np.take gathers the columns of a (k, n, 3) array 3-4x quicker than deltas[:, keep]
                picked = deltas if side == "B" else np.take(deltas, keep, axis=1)
                flat = picked.reshape(len(deltas), -1).astype(np.float64)
                flat = (flat, row_norms(flat))
            held[side] = flat
        return held[side]

    @cached_property
    def _side_deltas(self):
        return {}

    @cached_property
    def sampled_faces(self):
        """{id(identify rules): (rules, what identify.describe reads of the face besides the shapes)},
        filled by describe: whole-face, so kept for the next shapes described and by a re-audit."""
        return {}

    @cached_property
    def described(self):
        """{id(identify rules): (rules, {shape row: its part of identify.describe's Description})}, filled
        by describe; a re-audit keeps the rows of the shapes that did not change."""
        return {}

    @cached_property
    def mirror_map(self):
        """MirrorMap (see mirror.py): each vertex's partner across the frame's mirror plane."""
        from .mirror import build_mirror_map
        frame = self.frame
        return build_mirror_map(self.snapshot.basis, frame.normal, frame.offset,
                                self.threshold("mirror_tolerance") * frame.scale)

    @cached_property
    def mirror_noise(self):
        """MirrorNoise (see visible.py): how far mirror partners sit from exact mirror images."""
        from .visible import mirror_noise
        frame, partner = self.frame, self.mirror_map.partner
        return mirror_noise(self.snapshot.basis, partner, frame.normal, frame.offset, frame.scale,
                            self.threshold("neighbour_radius") * frame.scale, frame.active,
                            getattr(self.snapshot, "edges", None))

    @cached_property
    def sums(self):
        """{shape name: Sum} (see derived.py): shapes that are the sum of other shapes of the rig."""
        from .derived import find_sums
        return find_sums(self)

    @cached_property
    def millimetres(self):
        """Millimetres per rig unit, or None when the face size fits no metric unit (visible.py)."""
        from .visible import millimetres
        return millimetres(self.frame.scale, self.threshold("smallest_face_metres"))

    @cached_property
    def region_masks(self):
        """RegionMasks (see regions.py) of the basis, or None when the rulebook has no regions."""
        from .regions import RegionRules, region_masks
        rules = self.rulebook.regions
        if not isinstance(rules, RegionRules):
            return None
        return region_masks(rules, self.frame, self.snapshot.basis, self.snapshot.vertex_groups, self.region_gates)

    @cached_property
    def region_gates(self):
        """{region: (n,) float32 or None}: motion gates of the regions with ``moved_by`` actions."""
        return self.gates_now()

    def gates_now(self):
        """region_gates computed from the current motion (uncached: a re-audit compares it with the held one)."""
        from .regions import RegionRules, motion_gate
        rules = self.rulebook.regions
        if not isinstance(rules, RegionRules):
            return {}
        return {name: motion_gate(self._peak_motion(region.moved_by), self._peak_motion(region.not_moved_by))
                for name, region in rules.regions.items() if region.moved_by}

    @cached_property
    def mesh_graph(self):
        """(e, 2) int64 vertex pairs joined along the surface (edges and seam twins), None without edges."""
        from .islands import mesh_graph
        return mesh_graph(self.snapshot.edges, self.snapshot.basis, self.frame.scale)

    @cached_property
    def region_adjacency(self):
        """(m, m) bool: region rows that touch, by their soft edges or by a mesh edge between them."""
        from .islands import touching_rows
        masks = self.region_masks
        return masks.adjacent | touching_rows(masks.dominant, len(masks.names), self.mesh_graph)

    @cached_property
    def rigid_domain(self):
        """(n,) bool: the head around the face, which rigid fits cover (see geometry.rigid_domain)."""
        from .geometry import rigid_domain
        frame = self.frame
        return rigid_domain(frame.local(self.snapshot.basis), frame.low, frame.high)

    @cached_property
    def rigid_explained(self):
        """(k,) float64: share of each shape's motion one rigid transform of the whole face explains."""
        return self._rigid_shares()

    def _rigid_shares(self, rows=None):
        from .geometry import rigid_shares
        return rigid_shares(self.snapshot.basis, self.snapshot.deltas, self.motion, self.max_motion,
                            self.rigid_domain, skip=self._nonfinite, rows=rows)

    def _peak_motion(self, codes):
        """(n,) float32: largest motion per vertex over the mapped shapes of ``codes``, None if none."""
        rows = [i for i, _, parsed in self.mapped_shapes() if parsed.au in codes]
        return self.motion[rows].max(axis=0) if rows else None

    @cached_property
    def region_energy(self):
        """(k, m) float64: each shape's motion energy (sum of squared vertex motion) in each region row."""
        weights = self.region_masks.weights
        energy = np.empty((self.motion.shape[0], weights.shape[0]), dtype=np.float64)
        for start in range(0, len(energy), 64):  # blocks of shapes: no second (k, n) array
            energy[start:start + 64] = _energy(self.motion[start:start + 64], weights)
        return energy

    @cached_property
    def shape_cosines(self):
        """ShapeCosines (see cosines.py): norms of the shapes' deltas, cosines of any two, near pairs."""
        from .cosines import ShapeCosines
        return ShapeCosines(self.snapshot.deltas, self.motion, self._nonfinite, self.scratch)

    @cached_property
    def signatures(self):
        """Signatures (see signatures.py): geometric measures of mouth, jaw, nose and lid shapes."""
        from .signatures import Signatures
        return Signatures(self)

    # -- findings -----------------------------------------------------------------------------
    def finding(self, rule, message, *, shapes=(), aus=(), side="", measures=None, vertices=(), profile=None,
                to_error=False):
        """A Finding for ``rule`` with its category and the profile's severity; None when switched off.

        ``to_error``: the measure crossed the rule's error threshold, so a warning becomes an error (a
        severity the profile set to info stays info).
        """
        spec = self.rulebook.findings[rule]
        profile = profile or (self.profile_of(shapes[0]) if shapes else self.primary_profile)
        severity = profile.severity.get(rule, spec.severity)
        if severity == "off":
            return None
        if to_error and severity == "warning":
            severity = "error"
        return Finding(rule=rule, category=spec.category, severity=severity, message=message,
                       aus=tuple(aus), shapes=tuple(shapes), side=side,
                       measures={k: _plain(v) for k, v in (measures or {}).items()},
                       vertices=tuple(int(v) for v in vertices))


def _peak_update(motion, peak, row, rows):
    """peak_motion after the motion of shapes ``rows`` changed: recomputed only where they held the peak.

    Exact: a maximum does not depend on the order it is taken in.
    """
    peak, row = peak.copy(), row.copy()
    columns = np.flatnonzero(np.isin(row, rows))
    if columns.size:
        sub = motion[:, columns]
        row[columns] = sub.argmax(axis=0)
        peak[columns] = sub[row[columns], np.arange(columns.size)]
    for i in rows:
        higher = motion[i] > peak
        peak[higher] = motion[i][higher]
        row[higher] = i
    return peak, row


def _energy(motion, weights):
    """(r, m) motion energy of ``motion`` rows (r, n) in each region row of ``weights`` (m, n)."""
    return np.square(motion) @ weights.T


_ONES = np.ones(3, dtype=np.float32)

#: Largest float64 copy of every shape's deltas on one side that side_deltas keeps (a 30k x 300 rig's
#: would be ~110 MB: there the check reads only the rows it compares, call by call).
SIDE_DELTAS_MOST = 64 * 2 ** 20


def _motion_row(delta, out):
    """Fill ``out`` (n,) with each vertex's motion length; return True when ``delta`` holds NaN/inf (out = 0).

    A NaN or inf coordinate shows up in its vertex's squared length. Squares summed by a (n, 3) x (3,)
    product: twice as fast as einsum over a length-3 axis.
    """
    np.matmul(np.square(delta), _ONES, out=out)
    if not np.isfinite(out).all():
        out[:] = 0.0
        return True
    np.sqrt(out, out=out)
    return False


# What refreshed() does with each attribute. Every cached_property of AuditContext is in exactly one of
# _HELD, _REFRESHED and _DERIVED (tests/test_context.py fails otherwise), so a new measure cannot be
# left out of the incremental re-audit by mistake.

#: inputs, and cached measures of the whole face, that an incremental re-audit keeps as they are
_HELD = ("snapshot", "rulebook", "sets", "primary_profile", "chosen_profile", "_set_of", "scratch", "frame", "basis_local", "sampled_faces", "mirror_map",
         "region_masks", "region_gates", "rigid_domain", "mirror_noise", "millimetres", "mesh_graph", "region_adjacency")
#: cached per-shape measures refreshed() recomputes for the changed shapes
_REFRESHED = ("_motion_and_nonfinite", "peak_motion", "max_motion", "sums", "region_energy", "rigid_explained", "shape_cosines", "signatures",
              "described")
#: cached views of a refreshed measure: left to be read again from it
_DERIVED = ("motion", "_nonfinite", "_side_deltas")


def _plain(value):
    """Numbers as plain Python values rounded to 4 significant digits, so reports are byte-stable."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return 0.0 if value == 0 else float(f"{value:.4g}")
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
