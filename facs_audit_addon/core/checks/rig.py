"""Rig-level facts: invalid coordinates, muted keys, keys relative to other keys."""

from ..text import listing


def check_rig(ctx):
    snapshot = ctx.snapshot
    for name in snapshot.names:
        if name in ctx.invalid:
            yield ctx.finding("rig.invalid-deltas", f"{name} holds NaN or infinite coordinates; it is skipped "
                              "by the geometric checks.", shapes=(name,))
    muted = [n for n, m in zip(snapshot.names, snapshot.muted) if m]
    if muted:
        yield ctx.finding("rig.muted-shape", f"{len(muted)} shape key(s) are muted: {listing(muted)}.",
                          shapes=muted, measures={"count": len(muted)})
    notes = ctx.frame.notes
    if notes:
        yield ctx.finding("rig.frame-estimated", "Face frame estimated: " + "; ".join(notes) + ".",
                          measures={"notes": len(notes)})
    relative = [(n, r) for n, r in zip(snapshot.names, snapshot.relative_keys) if r != snapshot.basis_name]
    if relative:
        text = ", ".join(f"{n} (relative to {r})" for n, r in relative[:8])
        yield ctx.finding("rig.relative-key", f"{len(relative)} shape key(s) are relative to another key: {text}"
                          + (" ..." if len(relative) > 8 else "") + ".",
                          shapes=[n for n, _ in relative], measures={"count": len(relative)})

