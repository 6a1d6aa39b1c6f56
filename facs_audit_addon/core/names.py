"""Read shape-key names: which action, side and variant each one stands for, under which convention.

Nothing here is specific to one convention: the vocabularies and patterns come from ``rules/``.
"""

import re
from dataclasses import dataclass

from .text import normalize


@dataclass(frozen=True)
class ParsedName:
    """What one shape name means. ``side`` is L, R or B (bilateral / no side)."""

    name: str
    au: str
    side: str
    variant: str
    convention: str
    #: how the side was written (``_L``, ``Left``, ``.l`` ...), '' when the name has none
    side_style: str = ""
    #: for a combination shape, the parsed parents
    parts: tuple = ()
    #: a descriptive name that disagrees with the code in the same name (AU_12_L_Dimpler -> AU14)
    mismatch: str = ""
    #: a 1978/2002 ambiguous code written without a description
    ambiguous: bool = False

    @property
    def key(self):
        return (self.au, self.side, self.variant)

    @property
    def label(self):
        text = self.au + (f"{self.variant}" if len(self.variant) == 1 else f":{self.variant}" if self.variant else "")
        return text + ("" if self.side == "B" else f"_{self.side}")


class NameReader:
    """Parses names under the rulebook's conventions."""

    def __init__(self, catalog, conventions, naming):
        self.catalog = catalog
        self.conventions = conventions
        self.naming = naming
        left = naming.left if naming else ("l", "left")
        right = naming.right if naming else ("r", "right")
        self.side_words = {word: "L" for word in left} | {word: "R" for word in right}
        seps = re.escape(naming.separators if naming else "_.- ")
        self._split = re.compile(f"[{seps}]+")
        self._sep_chars = naming.separators if naming else "_.- "
        # parse results by (convention, name): combination names re-read the same pieces many times
        self._memo = {}
        # per convention: "stem+variant" and "variant+stem" spellings -> (target, variant)
        self._variant_spellings = {name: self._spellings(c) for name, c in conventions.items()}

    def _spellings(self, convention):
        out = {}
        for stem, target in convention.names.items():
            if isinstance(target.au, dict) or target.variant:
                continue
            for variant, aliases in self.catalog[target.au].variants.items():
                for alias in aliases:
                    out.setdefault(stem + alias, (target, variant))
                    out.setdefault(alias + stem, (target, variant))
        return out

    # -- set prefixes -------------------------------------------------------------------------
    def strip_export_prefix(self, name):
        for pattern in (self.naming.strip_prefixes if self.naming else ()):
            name = pattern.sub("", name, count=1)
        return name

    def set_of(self, name):
        """The numbered set prefix of a name (``AK`` for ``AK_09_EyeBlinkLeft``), or ''."""
        match = self.naming.set_prefix.match(self.strip_export_prefix(name)) if self.naming else None
        return match.group("set").upper() if match else ""

    def candidates(self, name):
        stripped = self.strip_export_prefix(name)
        out = [stripped]
        match = self.naming.set_prefix.match(stripped) if self.naming else None
        if match and match.end() < len(stripped):
            out.append(stripped[match.end():])
        return out

    # -- parsing ------------------------------------------------------------------------------
    def parse(self, name, order):
        """Parse ``name`` with the first convention of ``order`` (names) that reads it, else None."""
        for convention_name in order:
            parsed = self.parse_with(self.conventions[convention_name], name)
            if parsed is not None:
                return parsed
        return None

    def parse_with(self, convention, name):
        key = (convention.name, name)
        if key not in self._memo:
            self._memo[key] = next((parsed for candidate in self.candidates(name)
                                    if (parsed := self._parse_text(convention, name, candidate)) is not None), None)
        return self._memo[key]

    def parse_combination(self, name, order):
        """Read a name that joins two or three parent names (``AU24_AU25``, ``mouthPress_jawOpen``)."""
        text = self.candidates(name)[-1]
        cuts = [m.start() for m in re.finditer(f"[{re.escape(self._sep_chars)}+]", text)]
        for count in (1, 2):
            for chosen in _choose(cuts, count):
                pieces = _cut(text, chosen)
                parts = []
                for piece in pieces:
                    piece = piece.strip(self._sep_chars + "+")
                    parsed = self.parse(piece, order) if piece else None
                    if parsed is None:
                        break
                    parts.append(parsed)
                else:
                    if len({p.key for p in parts}) == len(parts):
                        first = parts[0]
                        return ParsedName(name, first.au, first.side, first.variant, first.convention,
                                          parts=tuple(parts))
        return None

    def _parse_text(self, convention, name, text):
        # Whole name first: names that embed a direction (jawLeft, Eye_Left_Left) must not lose it.
        found = self._lookup(convention, normalize(text), "B")
        if found:
            return self._make(name, convention, found, "B", "")
        for rest, side, style in self._side_options(text):
            found = self._lookup(convention, normalize(rest), side)
            if found:
                return self._make(name, convention, found, side, style)
        return None

    def _make(self, name, convention, found, side, style):
        au, variant, fixed_side, mismatch, ambiguous = found
        return ParsedName(name, au, fixed_side or side, variant, convention.name, side_style=style,
                          mismatch=mismatch, ambiguous=ambiguous)

    def _side_options(self, text):
        """Ways to read a side marker off ``text``: (rest of the name, side, how it was written)."""
        words = self.side_words
        chunks = [c for c in self._split.split(text) if c]
        seps = re.findall(f"[{re.escape(self._sep_chars)}]+", text)
        options = []
        if len(chunks) > 1:
            last, first = chunks[-1], chunks[0]
            if last.lower() in words:
                options.append((text[: len(text) - len(last)], words[last.lower()], (seps[-1] if seps else "") + last))
            if first.lower() in words:
                options.append((text[len(first):], words[first.lower()], first + (seps[0] if seps else "")))
            middle = [i for i, c in enumerate(chunks[1:-1], 1) if c.lower() in words]
            if len(middle) == 1:
                i = middle[0]
                rest = "_".join(chunks[:i] + chunks[i + 1:])
                options.append((rest, words[chunks[i].lower()], "_" + chunks[i]))
        last = chunks[-1] if chunks else text
        # camelCase or code suffix: mouthSmileLeft, DownLeft, AU12L, smileL
        match = re.search(r"(?<=[a-z0-9])(Left|Right|L|R)$", last)
        if match:
            word = match.group(1)
            options.append((text[: len(text) - len(word)], words[word.lower()], word))
        first = chunks[0] if chunks else text
        # prefix: LeftLipCornerPuller (Roblox), L12 (FACSHuman)
        match = re.match(r"^(Left|Right)(?=[A-Z])|^(L|R)(?=\d)", first)
        if match:
            word = match.group(0)
            options.append((text[len(word):], words[word.lower()], word))
        return options

    def _lookup(self, convention, norm, side):
        """(au, variant, side fixed by the name, mismatch, ambiguous) or None."""
        if not norm:
            return None
        if convention.code_pattern is not None:
            return self._lookup_code(convention, norm)
        return self._lookup_names(convention, norm, side)

    def _lookup_names(self, convention, norm, side):
        target = convention.names.get(norm)
        variant = ""
        if target is None:
            target, variant = self._split_variant(convention, norm)
        if target is None:
            return None
        au = target.au
        if isinstance(au, dict):
            if side not in au:
                return None
            au = au[side]
        return au, target.variant or variant, target.side, "", False

    def _split_variant(self, convention, norm):
        """``lipfunnelerupper`` / ``upperlipfunneler`` -> (lipFunneler target, 'upper')."""
        return self._variant_spellings.get(convention.name, {}).get(norm, (None, ""))

    def _variant_of(self, au, text):
        for variant, aliases in self.catalog[au].variants.items():
            if text in aliases:
                return variant
        return ""

    def _lookup_code(self, convention, norm):
        match = convention.code_pattern.match(norm)
        if not match:
            return None
        number = int(match.group("num"))
        prefix = (match.groupdict().get("prefix") or "au").upper()
        codes = [f"{prefix}{number}", f"{'AD' if prefix == 'AU' else 'AU'}{number}"]
        au = next((code for code in codes if code in self.catalog), None)
        if au is None:
            return None
        rest = match.groupdict().get("rest") or ""
        if not rest:
            return au, "", "", "", self.catalog[au].ambiguous
        variant = self._variant_of(au, rest)
        if variant:
            return au, variant, "", "", False
        described = None
        if convention.descriptive:
            described = self._lookup_names(self.conventions[convention.descriptive], rest, "B")
        if described is None:
            return None
        described_au, described_variant = described[0], described[1]
        if described_au == au:
            return au, described_variant, "", "", False
        return au, "", "", described_au, False


def _choose(items, count):
    if count == 1:
        return [(i,) for i in items]
    return [(a, b) for i, a in enumerate(items) for b in items[i + 1:]]


def _cut(text, positions):
    pieces, start = [], 0
    for position in positions:
        pieces.append(text[start:position])
        start = position
    pieces.append(text[start:])
    return pieces
