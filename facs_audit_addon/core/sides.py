"""Side words (``left``/``right`` lists of ``rules/naming.toml``) and the patterns that find them in a name.

Nothing here knows a particular word: ``L``, ``Left``, ``lf`` ... all come from the rule file.
"""

import re


class SideWords:
    """The side words of ``naming.toml`` compiled into lookups and patterns.

    A side word is read (see ``names.NameReader``) as a whole chunk between separators (``AU12_L``,
    ``L_AU12``, ``Eye_Left_Blink``), as a capitalised suffix after a lower-case letter or a digit
    (``mouthSmileLeft``, ``AU12L``), or as a capitalised prefix: a word of two letters or more before a
    capital (``LeftLipCornerPuller``), a one-letter word before a digit (``L12``).
    """

    def __init__(self, left, right):
        left, right = tuple(w.lower() for w in left), tuple(w.lower() for w in right)
        self.left, self.right = left, right
        #: lower-case word -> "L" / "R"
        self.side = {word: "L" for word in left} | {word: "R" for word in right}
        # A right word is written in the same style as the left word at the same place in its list
        # (_L and _R are one style; Left and Right another).
        self._form = {word: word for word in left} | {
            word: (left[i] if i < len(left) else word) for i, word in enumerate(right)}
        capitalised = sorted({w.capitalize() for w in self.side}, key=lambda w: (-len(w), w))
        self.suffix = re.compile(f"(?<=[a-z0-9])({'|'.join(map(re.escape, capitalised))})$")
        longer = [w for w in capitalised if len(w) > 1]
        single = [w for w in capitalised if len(w) == 1]
        prefixes = ([f"^(?:{'|'.join(map(re.escape, longer))})(?=[A-Z])"] if longer else []) + (
            [f"^(?:{'|'.join(map(re.escape, single))})(?=\\d)"] if single else [])
        self.prefix = re.compile("|".join(prefixes)) if prefixes else None
        # quick checks before the patterns: the last letter of a suffix, the first of a prefix
        self.suffix_ends = frozenset(w[-1] for w in capitalised)
        self.prefix_starts = frozenset(w[0] for w in capitalised)

    def marker_style(self, style):
        """Separator and word form of a side marker as written: ``_R`` -> ``_L``, ``Right`` -> ``Left``.

        Markers of one style differ only in which side they name, so ``_L`` and ``_R`` are one style,
        ``Left`` and ``Right`` another, ``_l`` a third.
        """
        separator = re.sub(r"[A-Za-z]", "", style)
        word = re.sub(r"[^A-Za-z]", "", style)
        form = self._form.get(word.lower(), word.lower()).capitalize()
        if word.islower():
            form = form.lower()
        elif word.isupper() and len(word) > 1:
            form = form.upper()
        return separator + form
