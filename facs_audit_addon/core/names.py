"""Read shape-key names: which action, side and variant each one stands for, under which convention.

Nothing here is specific to one convention: the vocabularies, side words and patterns come from
``rules/``. A :class:`NameReader` is built once per rulebook (``load_rulebook``): every convention's
names, with their variant spellings, go into one lookup table, so a name is taken apart once (set and
export prefixes, side marker) and each way of reading it costs one dictionary look-up.
"""

import re
from typing import NamedTuple

from .text import normalize

#: a cache of pieces read (combination parts, code look-ups) is dropped when it grows past this
_CACHE_LIMIT = 50000
_MISSING = object()
_new_tuple = tuple.__new__


class ParsedName(NamedTuple):
    """What one shape name means. ``side`` is L, R or B (bilateral / no side).

    A named tuple: names are read by the thousand, and a tuple is made at a third of the cost of a
    frozen dataclass."""

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
    """Parses names under the rulebook's conventions (compiled once, shared by every audit)."""

    def __init__(self, catalog, conventions, naming):
        """``naming``: the rulebook's NamingRules (prefixes, side words, separators, joiners, tags)."""
        self.catalog = catalog
        self.conventions = conventions
        self.naming = naming
        self.sides = naming.sides
        self._sep_chars = naming.separators
        self._seps = re.compile(f"[{re.escape(self._sep_chars)}]+")
        self._strip = naming.strip_prefixes
        # one pattern that tells whether any export prefix applies (most names carry none)
        self._has_prefix = None
        if self._strip:
            any_strip = re.compile("|".join(f"(?:{p.pattern})" for p in self._strip), re.IGNORECASE)
            anchored = all(p.pattern.startswith("^") for p in self._strip)
            self._has_prefix = any_strip.match if anchored else any_strip.search
        self._set_prefix = naming.set_prefix
        joiners = naming.combination_joiners
        self._joiners = re.compile(_longest_first(joiners)) \
            if joiners else None
        # Joiners made of one-character joiners (_, +, __) are cut at every such character, found with
        # bytes.find on the name with those characters translated to NUL (ASCII names; a regex alternation
        # tries each joiner at each position, a character class still makes a match object per cut): the
        # pieces are stripped of joiners, so a cut inside a run of them reads the same pieces as the cut
        # at its start.
        singles = "".join(sorted({j for j in joiners if len(j) == 1}))
        one_char = singles and all(set(j) <= set(singles) for j in joiners)
        self._joiner_bytes = bytes.maketrans(singles.encode(), b"\0" * len(singles)) \
            if one_char and singles.isascii() else None
        self._piece_strip = self._sep_chars + "".join(joiners)
        # a corrective tag (_combo240) ends a name after a joiner: the leftmost match takes the longest
        # joiner and tag that fit
        self._tag_at_end = re.compile(f"(?:{_longest_first(joiners)})(?:{_longest_first(naming.combination_tags)})[0-9]*\\Z",
                                      re.IGNORECASE | re.ASCII).search \
            if joiners and naming.combination_tags else None
        self._order = tuple(conventions)
        #: the row of a name no convention reads as one action
        self.unread = (None,) * len(self._order)
        self._position = {name: i for i, name in enumerate(self._order)}
        self._positions = {}
        self._code = tuple(i for i, c in enumerate(conventions.values()) if c.code_pattern is not None)
        # normalised name or variant spelling -> ((convention position, target, variant), ...)
        table = {}
        self._names_only = {}
        for i, (name, convention) in enumerate(conventions.items()):
            if convention.code_pattern is not None:
                continue
            own = {norm: (target, "") for norm, target in convention.names.items()}
            for norm, spelled in self._spellings(convention).items():
                own.setdefault(norm, spelled)
            self._names_only[name] = own
            for norm, (target, variant) in own.items():
                table.setdefault(norm, []).append((i, target, variant))
        self._table = {norm: tuple(hits) for norm, hits in table.items()}
        # per code convention: normalised text -> what the code pattern reads in it
        self._code_memo = {i: {} for i in self._code}
        self._read_memo = {}
        self._candidates = {}
        # per convention order: combination piece -> (action key, ParsedName) or None
        self._hits = {}
        self._sep_table = str.maketrans({c: "\0" for c in self._sep_chars})

    def _spellings(self, convention):
        """Per convention: "stem+variant" and "variant+stem" spellings -> (target, variant)."""
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
        if self._has_prefix is None or not self._has_prefix(name):
            return name
        for pattern in self._strip:
            name = pattern.sub("", name, count=1)
        return name

    def _taken_apart(self, name):
        """(candidate texts, set prefix, their normal forms, where a trailing corrective tag's joiner starts
        in the last text or -1) of a name, cached: every reading starts here."""
        found = self._candidates.get(name)
        if found is None:
            if len(self._candidates) > _CACHE_LIMIT:
                self._candidates.clear()
            stripped = name if self._has_prefix is None or not self._has_prefix(name) else self.strip_export_prefix(name)
            match = self._set_prefix.match(stripped)
            if match and match.end() < len(stripped):
                texts = (stripped, stripped[match.end():])
                norms = (normalize(stripped), normalize(texts[1]))
            else:
                texts, norms = (stripped,), (normalize(stripped),)
            tag = self._tag_at_end(texts[-1]) if self._tag_at_end is not None else None
            found = self._candidates[name] = (texts, match.group("set").upper() if match else "", norms,
                                              tag.start() if tag else -1)
        return found

    # -- parsing ------------------------------------------------------------------------------
    def read(self, name):
        """``{convention: ParsedName or None}`` for every convention."""
        row = self.row(name)
        return {c: self.first(name, row, (i,)) for i, c in enumerate(self._order)}

    def row(self, name):
        """What each convention reads in ``name``, by convention position (``positions``): a tuple
        ``(au, side, variant, side_style, mismatch, ambiguous)`` or None. The name is taken apart once.
        A corrective by its tag (mouthSmile_L_eyeBlink_L_combo240) is read as a combination only: its row
        is ``unread``, one shared tuple of Nones."""
        if self.tagged(name):
            return self.unread
        found = [None] * len(self._order)
        left = len(found)
        table, code, code_memo = self._table, self._code, self._code_memo
        for norm, side, style in self._readings(name):
            if not norm:
                continue
            for i, target, variant in table.get(norm, ()):
                if found[i] is None:
                    au = target.au
                    if isinstance(au, dict):
                        if side not in au:
                            continue
                        au = au[side]
                    found[i] = (au, target.side or side, target.variant or variant, style, "", False)
                    left -= 1
            for i in code:
                if found[i] is None:
                    memo = code_memo[i]
                    hit = memo.get(norm, _MISSING)
                    if hit is _MISSING:
                        if len(memo) > _CACHE_LIMIT:
                            memo.clear()
                        hit = memo[norm] = self._read_code(self.conventions[self._order[i]], norm)
                    if hit is not None:
                        au, variant, mismatch, ambiguous = hit
                        found[i] = (au, side, variant, style, mismatch, ambiguous)
                        left -= 1
            if not left:
                break
        return found

    def rows(self, names, rest_names=frozenset()):
        """``[(name, set prefix, row)]`` of each name, taken apart once; the row of a rest pose (its
        normal form, with or without its set prefix, in ``rest_names``) is None."""
        taken, row, unread = self._taken_apart, self._row_cached, self.unread
        out = []
        for name in names:
            _, prefix, norms, end = taken(name)
            # rows are kept: a corrective's parts are mostly other names of its set
            out.append((name, prefix, None if not rest_names.isdisjoint(norms) else unread if end > 0 else row(name)))
        return out

    def first(self, name, row, positions):
        """The ParsedName of the first convention (by position) that reads ``name`` in ``row``, or None."""
        for i in positions:
            if row[i] is not None:
                return _parsed(name, self._order[i], *row[i])
        return None

    def positions(self, order):
        """Convention names -> their positions in a row."""
        found = self._positions.get(order) if isinstance(order, tuple) else None
        if found is None:
            key = tuple(order)
            found = self._positions[key] = tuple(self._position[c] for c in key)
        return found

    def parse(self, name, order):
        """Parse ``name`` with the first convention of ``order`` (names) that reads it, else None."""
        return self.first(name, self._row_cached(name), self.positions(order))

    def parse_with(self, convention, name):
        return self.first(name, self._row_cached(name), (self._position[convention.name],))

    def parse_combination(self, name, order):
        """Read a name that joins two or three parent names (``AU24_AU25``, ``mouthPress_jawOpen``).

        A name that ends in a corrective tag of ``naming.toml`` (``mouthSmile_L_eyeBlink_L_combo240``)
        is read without it: its parts before the tag are its parents (such a name is never read as
        one action).
        """
        return self.combinations((name,), order).get(name)

    def combinations(self, names, order):
        """``{name: ParsedName}`` of those of ``names`` that read as combinations (``parse_combination``).

        Two parts first (each cut in order), else three (each pair of cuts): the first cut whose parts
        all read, as different actions, gives the parents. One loop for many names: most correctives
        cost two stripped pieces and two dictionary look-ups.
        """
        positions = self.positions(order)
        hits = self._hits.get(positions)
        if hits is None or len(hits) > _CACHE_LIMIT:
            hits = self._hits[positions] = {}
        get, strip, taken, cuts = hits.get, self._piece_strip, self._taken_apart, self._cuts
        first, row_cached = self.first, self._row_cached

        def read(piece):
            """(action key, ParsedName) of a piece under the first convention that reads it, or None."""
            found = get(piece, _MISSING)
            if found is _MISSING:
                found = None
                if piece:
                    parsed = first(piece, row_cached(piece), positions)
                    found = None if parsed is None else (parsed.key, parsed)
                hits[piece] = found
            return found

        table = self._joiner_bytes
        out = {}
        for name in names:
            texts, _, _, end = taken(name)
            text = texts[-1][:end] if end > 0 else texts[-1]
            # two parts, each cut in order; joiners found one at a time (most names read at the first)
            marked = text.encode().translate(table) if table is not None and text.isascii() else None
            ends = cuts(text) if marked is None else ()
            cut = marked.find(0) if marked is not None else ends[0] if ends else -1
            k = 0
            while cut >= 0:
                piece = text[:cut].strip(strip)
                left = get(piece, _MISSING)
                if left is _MISSING:
                    left = read(piece)
                if left is not None:
                    piece = text[cut:].strip(strip)
                    right = get(piece, _MISSING)
                    if right is _MISSING:
                        right = read(piece)
                    if right is not None and right[0] != left[0]:
                        out[name] = _combination(name, (left[1], right[1]))
                        break
                k += 1
                cut = marked.find(0, cut + 1) if marked is not None else ends[k] if k < len(ends) else -1
            else:
                parents = _three_parts(text, ends or cuts(text), strip, read)
                if parents:
                    out[name] = _combination(name, parents)
        return out

    def tagged(self, name):
        """Whether ``name`` ends in a corrective tag after a joiner, with parent names before it."""
        return self._taken_apart(name)[3] > 0

    def _cuts(self, text):
        """Where each joiner starts in ``text``."""
        if self._joiner_bytes is not None and text.isascii():
            ends, at = [], -1
            for part in text.encode().translate(self._joiner_bytes).split(b"\0")[:-1]:
                at += len(part) + 1
                ends.append(at)
            return ends
        return [m.start() for m in self._joiners.finditer(text)] if self._joiners is not None else []

    def _row_cached(self, name):
        found = self._read_memo.get(name)
        if found is None:
            if len(self._read_memo) > _CACHE_LIMIT:
                self._read_memo.clear()
            found = self._read_memo[name] = self.row(name)
        return found

    def _readings(self, name):
        """Ways to read ``name``, in order: (normalised text, side, how the side was written).

        Each candidate text (with and without the set prefix) first as a whole (names that embed a
        direction, jawLeft or Eye_Left_Left, must not lose it), then with each side marker taken off.
        """
        out = []
        texts, _, norms, _ = self._taken_apart(name)
        for text, norm in zip(texts, norms):
            out.append((norm, "B", ""))
            out.extend(self._side_options(text, norm))
        return out

    def _side_options(self, text, norm):
        """Ways to read a side marker off ``text``: (normalised rest of the name, side, how it was written).

        ``norm`` is ``normalize(text)``; a side word is letters only, so the rest's normal form is
        ``norm`` without the word's letters.
        """
        sides = self.sides
        words = sides.side
        chunks = [c for c in text.translate(self._sep_table).split("\0") if c]
        options = []
        if len(chunks) > 1:
            last, first = chunks[-1], chunks[0]
            low = last.lower()
            if low in words:
                head = text[: len(text) - len(last)]
                if text[-1] in self._sep_chars:  # trailing separator: the marker is read as written before
                    head, style = normalize(head), self._seps.findall(text)[-1] + last
                else:
                    head, style = norm[: len(norm) - len(last)], head[len(head.rstrip(self._sep_chars)):] + last
                options.append((head, words[low], style))
            low = first.lower()
            if low in words:
                if text[0] in self._sep_chars:  # leading separator: read as written before
                    head, style = normalize(text[len(first):]), first + self._seps.search(text).group(0)
                else:
                    head, style = norm[len(first):], first + self._seps.match(text, len(first)).group(0)
                options.append((head, words[low], style))
            middle = [i for i in range(1, len(chunks) - 1) if chunks[i].lower() in words]
            if len(middle) == 1:
                i = middle[0]
                options.append((normalize("_".join(chunks[:i] + chunks[i + 1:])), words[chunks[i].lower()],
                                "_" + chunks[i]))
        last = chunks[-1] if chunks else text
        # camelCase or code suffix: mouthSmileLeft, DownLeft, AU12L, smileL
        match = sides.suffix.search(last) if last and last[-1] in sides.suffix_ends else None
        if match:
            word = match.group(1)
            options.append((normalize(text[: len(text) - len(word)]), words[word.lower()], word))
        first = chunks[0] if chunks else text
        # prefix: LeftLipCornerPuller (Roblox), L12 (FACSHuman)
        match = sides.prefix.match(first) if sides.prefix is not None and first[:1] in sides.prefix_starts else None
        if match:
            word = match.group(0)
            options.append((normalize(text[len(word):]), words[word.lower()], word))
        return options

    def _lookup_names(self, convention, norm, side):
        """(au, variant) of a normalised name under a names convention, or None."""
        hit = self._names_only.get(convention.name, {}).get(norm)
        if hit is None:
            return None
        target, variant = hit
        au = target.au
        if isinstance(au, dict):
            if side not in au:
                return None
            au = au[side]
        return au, target.variant or variant

    def _variant_of(self, au, text):
        for variant, aliases in self.catalog[au].variants.items():
            if text in aliases:
                return variant
        return ""

    def _read_code(self, convention, norm):
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
            return au, "", "", self.catalog[au].ambiguous
        variant = self._variant_of(au, rest)
        if variant:
            return au, variant, "", False
        described = None
        if convention.descriptive:
            described = self._lookup_names(self.conventions[convention.descriptive], rest, "B")
        if described is None:
            return None
        described_au, described_variant = described
        if described_au == au:
            return au, described_variant, "", False
        return au, "", described_au, False


def _three_parts(text, ends, strip, read):
    """The three parents of ``text`` cut at each pair of ``ends`` (``read`` a piece), or None."""
    for k, a in enumerate(ends):
        left = read(text[:a].strip(strip))
        if left is None:
            continue
        for b in ends[k + 1:]:
            middle = read(text[a:b].strip(strip))
            if middle is None:
                continue
            right = read(text[b:].strip(strip))
            if right is not None and len({left[0], middle[0], right[0]}) == 3:
                return left[1], middle[1], right[1]
    return None


def _combination(name, parents):
    """The ParsedName of a combination: its first parent's action, side and variant, and its parents."""
    first = parents[0]
    return _parsed(name, first.convention, first.au, first.side, first.variant, "", "", False, parents)


def _longest_first(words):
    """A regex alternation of ``words``, longest first (an alternation takes the first that fits)."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _parsed(name, convention, au, side, variant, style, mismatch, ambiguous, parts=()):
    """A ParsedName made without the named tuple's keyword-reading ``__new__``."""
    return _new_tuple(ParsedName, (name, au, side, variant, convention, style, parts, mismatch, ambiguous))
