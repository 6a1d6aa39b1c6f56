"""Names that use a code's earlier FACS meaning (AU_13_CheekPuffer): the test the meaning, conflation and
re-audit code share, on its own so they do not import each other."""

from ..text import normalize


def former_meaning(ctx, name, parsed):
    """The catalog's Former entry whose words appear in ``name`` (AU_13_CheekPuffer), or None."""
    action = ctx.action(parsed.au)
    if not action.former:
        return None
    text = normalize(name)
    return next((former for former in action.former if any(word in text for word in former.words)), None)
