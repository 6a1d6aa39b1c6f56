"""Small text helpers shared by findings and reports."""

SIDE_WORDS = {"L": "left", "R": "right", "B": "bilateral", "": ""}


def listing(names, most=8):
    """``a, b, c and 4 more``: names for a one-line message."""
    names = list(names)
    text = ", ".join(names[:most])
    return text + (f" and {len(names) - most} more" if len(names) > most else "")


def action_label(au, side="", variant=""):
    """``AU23 vertical left``-style words for a message (``variant`` already a word: catalog variant_word)."""
    text = au + (f" {variant}" if variant else "")
    return text + (f" {SIDE_WORDS[side]}" if side in ("L", "R") else "")
