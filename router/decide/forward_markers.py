"""Where a forwarded message starts inside a layer's lines, and the layer split there.

The markers are the style table's (`forward_styles`): a client's separator
line, Outlook's header block, Apple Mail's phrase alone on its line, an
attribution line ("On ... wrote:"), compiled here once into per-line
patterns.  `unwrap` peels a forward's layers with `find_marker` and
`split_layer`; `unwrap.quote_start` finds where a reply's quote starts
with `find_marker`.  Lines may carry quote markers ("> "): a quoted
forward is found and unquoted by the same pass.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from router.decide import forward_styles as fs

# --------------------------------------------------------------------------
# Patterns compiled once from the style table.


def any_of(words: tuple[str, ...] | list[str]) -> str:
    """Regex alternation of literal words, the longest first."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _separator_regex() -> tuple[re.Pattern[str], dict[str, fs.SeparatorStyle]]:
    groups: list[str] = []
    by_group: dict[str, fs.SeparatorStyle] = {}
    for n, sep in enumerate(fs.SEPARATORS):
        name = f"s{n}"
        by_group[name] = sep
        tail = rf"(?P<{name}_rest>.*)" if sep.inline_headers else r"\s*$"
        groups.append(
            rf"(?P<{name}>-{{{sep.min_dashes},{sep.max_dashes}}}[ \t]*"
            rf"(?:{any_of(sep.phrases)})[ \t]*-{{2,}}){tail}"
        )
    groups.append(_APPLE_SOURCE)
    groups.append(rf"(?P<underscore>_{{{fs.UNDERSCORE_MIN},}}\s*$)")
    return re.compile("|".join(groups), re.IGNORECASE), by_group


_APPLE_SOURCE = rf"(?P<apple>(?:{any_of(fs.APPLE_PHRASES)})[ \t]*[:：]?\s*$)"
_SEPARATOR, _SEP_BY_GROUP = _separator_regex()
# A line that starts with neither "-" nor "_" can only be Apple's separator:
# the phrase alone on its line, then an optional colon.  Case-insensitive
# matching pairs characters one to one, so such a line without what may
# follow the phrase is as long as a phrase: most lines are not, and are
# passed without trying some twenty phrases on them.
_APPLE = re.compile(_APPLE_SOURCE, re.IGNORECASE)
_APPLE_LENGTHS = frozenset(len(phrase) for phrase in fs.APPLE_PHRASES)


def _apple_separator(text: str) -> re.Match[str] | None:
    """`_SEPARATOR.match(text)` for a line that starts with neither "-" nor "_"."""
    core = text.rstrip()
    if core.endswith((":", "：")):
        core = core[:-1].rstrip(" \t")
    if len(core) not in _APPLE_LENGTHS:
        return None
    return _APPLE.match(text)


_LABEL_FIELD: dict[str, str] = {
    label.lower(): field for field, labels in fs.HEADER_LABELS.items() for label in labels
}
_ALL_LABELS = [label for labels in fs.HEADER_LABELS.values() for label in labels]
_LABEL_LINE = re.compile(
    rf"^\*{{0,2}}(?P<label>{any_of(_ALL_LABELS)})\*{{0,2}}[ \t]*[:：]\*{{0,2}}[ \t]*"
    r"(?P<value>.*)$",
    re.IGNORECASE,
)
# Case-sensitive on purpose: splits "...acme.com>To: ..." glued header runs.
_INLINE_LABEL = re.compile(
    rf"(?:{any_of(_ALL_LABELS + [label.upper() for label in _ALL_LABELS])})[ \t]?[:：]"
)
# "On <date>, <name> wrote:" / "Am <date> schrieb <name>:": the verb may sit
# before or after the name, the line always ends in a colon.
_ATTRIBUTION = re.compile(
    rf"^(?:{any_of(fs.ATTRIBUTION_LEADS)})\s.{{3,300}}?"
    rf"(?<!\w)(?:{any_of(fs.ATTRIBUTION_VERBS)})(?!\w).{{0,200}}?[:：]\s*$",
    re.IGNORECASE,
)

_QUOTE = re.compile(r"^((?:[ \t]*>)+)[ \t]?")
_STRIP = " \t\u00a0\ufeff\u200b\u200e\u200f"
_STRIP_QUOTE = _STRIP + ">"

_MAX_HEADER_LINES = 12
_MAX_BLANK_BEFORE_HEADERS = 3  # blank lines between a separator and its header block
_ADDRESS_FIELDS = ("to", "cc", "reply_to")


# --------------------------------------------------------------------------
# Markers.


@dataclass
class Marker:
    """Where a forwarded message starts inside a layer's lines."""

    index: int
    style: str
    forward_only: bool
    line: str
    header_start: int | None  # first line of the header block, if any
    inline: list[str] | None = None  # pseudo-lines split off the separator
    attribution: bool = False
    start: int | None = None  # first line of a marker wrapped over two lines


@dataclass
class Layer:
    """One forward layer split at its marker: the seller's note, header fields, body."""

    note: str
    fields: dict[str, str]
    body: str
    marker: Marker


def _quoted(lines: list[str]) -> bool:
    """Whether any line may carry a quote marker (most layers have none).

    Where none does, every line is its own content at depth 0, and the
    per-line work of `_content` can be left out.
    """
    return any(">" in line for line in lines)


def _content(line: str) -> tuple[int, str]:
    """Quote depth and the line without its quote markers."""
    if ">" not in line:  # most lines: no marker, and no regex call
        return 0, line
    match = _QUOTE.match(line)
    if not match:
        return 0, line
    return match.group(1).count(">"), line[match.end() :]


def find_marker(lines: list[str], ambiguous_ok: bool, attribution_ok: bool) -> Marker | None:
    """The topmost forward marker in `lines`, or None."""
    if _quoted(lines):
        contents = [_content(line)[1].strip(_STRIP) for line in lines]
    else:
        contents = [line.strip(_STRIP) for line in lines]
    for i, text in enumerate(contents):
        if not text:
            continue
        first = text[0]
        if first in "-_" or not first.isascii() or first.isalpha():
            match = _SEPARATOR.match(text) if first in "-_" else _apple_separator(text)
            if match:
                marker = _separator_marker(i, text, match, contents, ambiguous_ok)
                if marker is not None:
                    return marker
        if ambiguous_ok and ("：" in text or ":" in text):
            marker = _header_block_marker(i, text, contents)
            if marker is not None:
                return marker
        if attribution_ok:
            marker = _attribution_marker(i, text, contents)
            if marker is not None:
                return marker
    return None


def _separator_marker(
    i: int, text: str, match: re.Match[str], contents: list[str], ambiguous_ok: bool
) -> Marker | None:
    group = match.lastgroup or ""
    if group == "apple":
        return Marker(i, "apple", True, text, i + 1)
    if group == "underscore":
        if not ambiguous_ok:
            return None
        start = _skip_blank(contents, i + 1, 2)
        fields, _end = _header_block(contents, start)
        if "from" in fields and len(fields) >= 2:
            return Marker(i, "outlook", False, text, start)
        return None
    base = group.removesuffix("_rest")
    sep = _SEP_BY_GROUP.get(base)
    if sep is None:
        return None
    if not sep.forward_only and not ambiguous_ok:
        return None
    inline = None
    if sep.inline_headers:
        rest = (match.group(f"{base}_rest") or "").strip()
        if rest:
            inline = _split_inline(rest)
    return Marker(i, sep.style, sep.forward_only, text, i + 1, inline)


def _header_block_marker(i: int, text: str, contents: list[str]) -> Marker | None:
    """Outlook's header block with no separator line above it."""
    match = _LABEL_LINE.match(text)
    if not match or _LABEL_FIELD.get(match.group("label").lower()) != "from":
        return None
    fields, _end = _header_block(contents, i)
    if len({"date", "to", "subject"} & fields.keys()) >= 2:
        return Marker(i, "outlook", False, text, i)
    return None


def _attribution_marker(i: int, text: str, contents: list[str]) -> Marker | None:
    if len(text) > 400:
        return None
    if _ATTRIBUTION.match(text):
        return Marker(i, "attribution", False, text, None, attribution=True)
    if i + 1 < len(contents) and contents[i + 1]:
        joined = f"{text} {contents[i + 1]}"
        if _ATTRIBUTION.match(joined):
            return Marker(i + 1, "attribution", False, joined, None, attribution=True, start=i)
    return None


def _skip_blank(contents: list[str], start: int, most: int) -> int:
    i = start
    while i < len(contents) and not contents[i] and i - start < most:
        i += 1
    return i


def _header_block(contents: list[str], start: int) -> tuple[dict[str, str], int]:
    """Fields of a "Label: value" block starting at `start`, and its end."""
    fields: dict[str, str] = {}
    last: str | None = None
    i = start
    end = min(len(contents), start + _MAX_HEADER_LINES)
    while i < end:
        text = contents[i]
        if not text:
            break
        match = _LABEL_LINE.match(text)
        if match:
            field = _LABEL_FIELD[match.group("label").lower()]
            if field in fields:
                break
            fields[field] = match.group("value").strip(_STRIP)
            last = field
        elif last in _ADDRESS_FIELDS and ("@" in text or text.endswith((",", ";"))):
            fields[last] += " " + text
        elif last == "from" and not fields["from"]:
            fields["from"] = text  # Thunderbird HTML: label and value in two cells
        else:
            break
        i += 1
    return fields, i


# --------------------------------------------------------------------------
# Splitting a layer at its marker.


def _split_inline(rest: str) -> list[str]:
    starts = [m.start() for m in _INLINE_LABEL.finditer(rest)]
    if not starts:
        return [rest]
    pieces = [rest[a:b].strip() for a, b in zip(starts, starts[1:] + [len(rest)], strict=True)]
    return [p for p in pieces if p]


def split_layer(lines: list[str], marker: Marker) -> Layer:
    """Seller note above the marker; header fields and body below it."""
    after = lines[marker.index + 1 :]
    block, trailing = _forwarded_block(lines[marker.index], after, marker.attribution)
    note = "\n".join(lines[: marker.index if marker.start is None else marker.start]).strip()
    if trailing:
        note = (note + "\n\n" + "\n".join(trailing).strip()).strip()

    fields: dict[str, str] = {}
    body_lines = block
    if marker.inline is not None:
        fields, _end = _header_block(marker.inline, 0)
    elif marker.header_start is not None:
        offset = marker.header_start - (marker.index + 1)
        # Only the top of the block can hold the header block.
        top = max(offset, 0) + _MAX_BLANK_BEFORE_HEADERS + _MAX_HEADER_LINES
        contents = [c.strip(_STRIP) for c in block[:top]]
        if offset < 0:  # header block starts on the marker line itself
            contents = [marker.line, *contents]
            block = [marker.line, *block]
            offset = 0
        start = _skip_blank(contents, offset, _MAX_BLANK_BEFORE_HEADERS)
        fields, end = _header_block(contents, start)
        if fields:
            body_lines = block[end:]
    elif marker.attribution:
        fields = {"from": marker.line}
    body = _dedent("\n".join(body_lines)).strip("\n")
    return Layer(note, fields, body, marker)


def _forwarded_block(marker_line: str, after: list[str], attribution: bool
                     ) -> tuple[list[str], list[str]]:
    """The lines of the forward below its marker, and the seller's lines after them.

    The forwarded block: following lines at the marker's quote depth or
    deeper (blank lines included), unquoted down to that depth; anything
    shallower after it is more of the seller's note, written below the
    forward.  Without any quote marker that is every line, unchanged.
    """
    if ">" not in marker_line and not _quoted(after):
        return after, []
    depth_at_marker = _content(marker_line)[0]
    first_body = next((_content(line)[0] for line in after if line.strip(_STRIP_QUOTE)), 0)
    level = max(depth_at_marker, first_body if attribution else depth_at_marker)
    block: list[str] = []
    for n, line in enumerate(after):
        depth, content = _content(line)
        if depth >= level or not line.strip(_STRIP_QUOTE):
            block.append("> " * (depth - level) + content if depth > level else content)
        else:
            return block, after[n:]
    return block, []


def _dedent(text: str) -> str:
    """`textwrap.dedent`, which changes nothing when no line starts with a space or tab.

    Forwarded bodies rarely are indented, and dedent's two regex passes
    over every line cost more than the rest of splitting the layer.
    """
    if text[:1] in (" ", "\t") or "\n " in text or "\n\t" in text:
        return textwrap.dedent(text)
    return text
