"""Small text helpers shared by name reading, findings and reports."""

import re

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


_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_ASCII_SEPARATORS = bytes(c for c in range(128) if not chr(c).isalnum())


def normalize(text):
    """Lower case with every separator removed: ``LIP_CORNER_PULLER`` -> ``lipcornerpuller``."""
    low = text.lower()
    if low.isascii():  # names are read by the thousand: bytes.translate is ~4x faster than a regex
        return low.encode().translate(None, _ASCII_SEPARATORS).decode()
    return _NOT_ALNUM.sub("", low)
