"""Small snapshot builders for pure-core tests (no bpy)."""

import numpy as np

from facs_audit_addon.core import RigSnapshot, audit_rig, load_rulebook

RULEBOOK = load_rulebook()


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
