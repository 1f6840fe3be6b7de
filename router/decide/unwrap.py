"""Find the customer's inquiry inside a seller's forward.

Sellers hand inquiries over by forwarding: inline with a client's
separator and header block, as an attached message, or by a server rule
that passes the customer's mail on unchanged.  Classification must read
the customer's words (order ids, language, pre-/post-sale), not the
seller's note, so this peels forward layers off down to the innermost
customer message.  The client styles are data in `forward_styles`.

Line-based on purpose: quote markers ("> ") are read per line, so a quoted
forward is found and unquoted by the same pass, and every regex runs on
one short line, which keeps a typical message well under a millisecond.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from router.decide import forward_styles as fs
from router.mail.addresses import addresses_in, named_address
from router.mail.message import Evidence, ParsedMail

# --------------------------------------------------------------------------
# Patterns compiled once from the style table.


def _alternation(words: tuple[str, ...] | list[str]) -> str:
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
            rf"(?:{_alternation(sep.phrases)})[ \t]*-{{2,}}){tail}"
        )
    groups.append(_APPLE_SOURCE)
    groups.append(rf"(?P<underscore>_{{{fs.UNDERSCORE_MIN},}}\s*$)")
    return re.compile("|".join(groups), re.IGNORECASE), by_group


_APPLE_SOURCE = rf"(?P<apple>(?:{_alternation(fs.APPLE_PHRASES)})[ \t]*[:：]?\s*$)"
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
    rf"^\*{{0,2}}(?P<label>{_alternation(_ALL_LABELS)})\*{{0,2}}[ \t]*[:：]\*{{0,2}}[ \t]*"
    r"(?P<value>.*)$",
    re.IGNORECASE,
)
# Case-sensitive on purpose: splits "...acme.com>To: ..." glued header runs.
_INLINE_LABEL = re.compile(
    rf"(?:{_alternation(_ALL_LABELS + [label.upper() for label in _ALL_LABELS])})[ \t]?[:：]"
)
# "On <date>, <name> wrote:" / "Am <date> schrieb <name>:": the verb may sit
# before or after the name, the line always ends in a colon.
_ATTRIBUTION = re.compile(
    rf"^(?:{_alternation(fs.ATTRIBUTION_LEADS)})\s.{{3,300}}?"
    rf"(?<!\w)(?:{_alternation(fs.ATTRIBUTION_VERBS)})(?!\w).{{0,200}}?[:：]\s*$",
    re.IGNORECASE,
)
_FORWARD_PREFIX = re.compile(
    rf"^\s*(?:\[[^\]]{{0,40}}\]\s*)?(?:{_alternation(fs.FORWARD_PREFIXES)})"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"^((?:[ \t]*>)+)[ \t]?")
_STRIP = " \t\u00a0\ufeff\u200b\u200e\u200f"
_STRIP_QUOTE = _STRIP + ">"

_MAX_HEADER_LINES = 12
_MAX_BLANK_BEFORE_HEADERS = 3  # blank lines between a separator and its header block
_ADDRESS_FIELDS = ("to", "cc", "reply_to")


# --------------------------------------------------------------------------
# Result.


@dataclass(frozen=True)
class Unwrapped:
    """The customer's inquiry found inside one message.

    `style` names how the seller handed the message over (the outermost
    forward layer); `styles` lists every layer outer to inner; `depth` is
    the number of layers peeled off (0 for "none" and "auto-forward").
    """

    inquiry_text: str
    seller_note: str
    inquiry_from: str | None
    inquiry_subject: str
    inquiry_date: str | None
    style: str
    depth: int
    evidence: tuple[Evidence, ...] = ()
    styles: tuple[str, ...] = ()


@dataclass
class _Marker:
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
class _Layer:
    note: str
    fields: dict[str, str]
    body: str
    marker: _Marker


# --------------------------------------------------------------------------
# Public API.


def unwrap(mail: ParsedMail, depth_limit: int = 5) -> Unwrapped:
    """Peel forward layers off `mail` down to the innermost customer message.

    The answer depends on `mail` alone (both are immutable), so it is kept
    on the mail: classifying and composing the forward ask for it once each.
    """
    memo: dict[int, Unwrapped] = mail.__dict__.setdefault(_MEMO, {})
    found = memo.get(depth_limit)
    if found is None:
        found = memo[depth_limit] = _unwrap(mail, depth_limit)
    return found


#: Where `unwrap` keeps its answers on a ParsedMail (not a field: equality,
#: hashing and repr of the mail do not see it).
_MEMO = "_unwrapped"


def _unwrap(mail: ParsedMail, depth_limit: int) -> Unwrapped:
    evidence: list[Evidence] = []
    outer_subject = strip_forward_prefix(mail.subject)
    forwarded_subject = is_forward_subject(mail.subject)
    auto = _auto_forward_evidence(mail)
    if auto and not forwarded_subject:
        return _auto_forwarded(mail, auto, evidence)

    notes: list[str] = []
    styles: list[str] = []
    text = _normalise(mail.text)
    current: ParsedMail | None = mail
    subject: str = outer_subject
    inquiry_from: str | None = None
    inquiry_date: str | None = None
    ambiguous_ok = True
    while len(styles) < depth_limit:
        depth = len(styles)
        lines = text.split("\n")
        attribution_ok = depth == 0 and forwarded_subject
        marker = _find_marker(lines, ambiguous_ok, attribution_ok)
        attached = _attached_message(current) if current is not None else None
        if attached is not None and (marker is None or not marker.forward_only):
            notes.append(text.strip())
            styles.append("rfc822-attachment")
            evidence.append(
                Evidence("forward", "message attached as message/rfc822", f"layer {depth + 1}")
            )
            current = attached
            text = _normalise(attached.text)
            inquiry_from = attached.from_addr
            inquiry_date = attached.header("Date")
            if attached.subject:
                subject = strip_forward_prefix(attached.subject)
            ambiguous_ok = is_forward_subject(attached.subject)
            continue
        if marker is None:
            break
        layer = _split_layer(lines, marker)
        notes.append(layer.note)
        styles.append(marker.style)
        evidence.append(
            Evidence(
                "forward",
                f"{marker.style} separator {marker.line[:80]!r} at line {marker.index + 1}",
                f"layer {depth + 1}",
            )
        )
        current = None
        text = layer.body
        inquiry_from = named_address(layer.fields.get("from", ""))
        inquiry_date = layer.fields.get("date")
        layer_subject = layer.fields.get("subject")
        if layer_subject:
            subject = strip_forward_prefix(layer_subject)
        ambiguous_ok = layer_subject is not None and is_forward_subject(layer_subject)
        if inquiry_from:
            evidence.append(Evidence("inquiry-from", inquiry_from, f"layer {depth + 1} header"))

    if not styles:
        if auto:
            return _auto_forwarded(mail, auto, evidence)
        evidence.append(Evidence("forward", "no forward recognised: whole body is the inquiry"))
        return Unwrapped(
            inquiry_text=text.strip(),
            seller_note="",
            inquiry_from=None,
            inquiry_subject=outer_subject,
            inquiry_date=mail.header("Date"),
            style="none",
            depth=0,
            evidence=tuple(evidence),
            styles=(),
        )
    return Unwrapped(
        inquiry_text=text.strip(),
        seller_note="\n\n".join(n for n in notes if n),
        inquiry_from=inquiry_from,
        inquiry_subject=subject,
        inquiry_date=inquiry_date,
        style=styles[0],
        depth=len(styles),
        evidence=tuple(evidence),
        styles=tuple(styles),
    )


def quote_start(text: str) -> int | None:
    """The line where a reply's quoted or forwarded message starts in `text`; None: none.

    The markers are the forward table's (separators, Outlook's header block,
    an attribution line such as "On ... wrote:" / "Am ... schrieb ...:"),
    searched as for the outermost layer of a forward with a forward's
    subject: the lines above the first one are what the writer wrote now.
    """
    marker = _find_marker(_normalise(text).split("\n"), True, True)
    if marker is None:
        return None
    return marker.start if marker.start is not None else marker.index


def strip_forward_prefix(subject: str) -> str:
    """Subject without leading Fwd:/WG:/TR:/转发: prefixes (repeated)."""
    previous = None
    subject = subject.strip()
    while previous != subject:
        previous = subject
        subject = _FORWARD_PREFIX.sub("", subject, count=1).strip()
    return subject


def is_forward_subject(subject: str | None) -> bool:
    """True when the subject's first prefix marks a forward."""
    return bool(subject) and _FORWARD_PREFIX.match(subject or "") is not None


# --------------------------------------------------------------------------
# Auto-forward (server rules).


def _auto_forward_evidence(mail: ParsedMail) -> list[Evidence]:
    found = [
        Evidence("auto-forward", f"{name}: {mail.header(name)}"[:200], "header")
        for name in fs.AUTO_FORWARD_HEADERS
        if mail.has_header(name)
    ]
    delivered = {a for v in mail.header_all("Delivered-To") for a in addresses_in(v)}
    if delivered:
        visible = {
            a for name in ("To", "Cc") for v in mail.header_all(name) for a in addresses_in(v)
        }
        if len(delivered) > 1 or not delivered <= visible:
            found.append(
                Evidence("auto-forward", f"Delivered-To: {', '.join(sorted(delivered))}", "header")
            )
    return found


def _auto_forwarded(mail: ParsedMail, auto: list[Evidence], evidence: list[Evidence]) -> Unwrapped:
    evidence.extend(auto)
    evidence.append(Evidence("forward", "forwarded unchanged by a mail server", "headers"))
    if mail.from_addr:
        evidence.append(Evidence("inquiry-from", mail.from_addr, "From header"))
    return Unwrapped(
        inquiry_text=mail.text.strip(),
        seller_note="",
        inquiry_from=mail.from_addr,
        inquiry_subject=strip_forward_prefix(mail.subject),
        inquiry_date=mail.header("Date"),
        style="auto-forward",
        depth=0,
        evidence=tuple(evidence),
        styles=("auto-forward",),
    )


def _attached_message(mail: ParsedMail) -> ParsedMail | None:
    for attachment in mail.attachments:
        if attachment.message is not None:
            return attachment.message
    return None


# --------------------------------------------------------------------------
# Inline forwards.


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")


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


def _find_marker(lines: list[str], ambiguous_ok: bool, attribution_ok: bool) -> _Marker | None:
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
) -> _Marker | None:
    group = match.lastgroup or ""
    if group == "apple":
        return _Marker(i, "apple", True, text, i + 1)
    if group == "underscore":
        if not ambiguous_ok:
            return None
        start = _skip_blank(contents, i + 1, 2)
        fields, _end = _header_block(contents, start)
        if "from" in fields and len(fields) >= 2:
            return _Marker(i, "outlook", False, text, start)
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
    return _Marker(i, sep.style, sep.forward_only, text, i + 1, inline)


def _header_block_marker(i: int, text: str, contents: list[str]) -> _Marker | None:
    """Outlook's header block with no separator line above it."""
    match = _LABEL_LINE.match(text)
    if not match or _LABEL_FIELD.get(match.group("label").lower()) != "from":
        return None
    fields, _end = _header_block(contents, i)
    if len({"date", "to", "subject"} & fields.keys()) >= 2:
        return _Marker(i, "outlook", False, text, i)
    return None


def _attribution_marker(i: int, text: str, contents: list[str]) -> _Marker | None:
    if len(text) > 400:
        return None
    if _ATTRIBUTION.match(text):
        return _Marker(i, "attribution", False, text, None, attribution=True)
    if i + 1 < len(contents) and contents[i + 1]:
        joined = f"{text} {contents[i + 1]}"
        if _ATTRIBUTION.match(joined):
            return _Marker(i + 1, "attribution", False, joined, None, attribution=True, start=i)
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


def _split_inline(rest: str) -> list[str]:
    starts = [m.start() for m in _INLINE_LABEL.finditer(rest)]
    if not starts:
        return [rest]
    pieces = [rest[a:b].strip() for a, b in zip(starts, starts[1:] + [len(rest)], strict=True)]
    return [p for p in pieces if p]


def _split_layer(lines: list[str], marker: _Marker) -> _Layer:
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
    return _Layer(note, fields, body, marker)


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
