"""Phrases that decide pre-sale and seller-account mail, and their matcher.

One matcher (`PhraseMatcher`) serves both these built-in lists and the
admin's `any_keywords` rules, so "whole words, case- and accent-insensitive"
means the same thing everywhere:

- text and phrases are normalised alike: NFKD, combining marks dropped,
  casefolded ("Personnalisé" = "personnalise", "Straße" = "strasse"),
  typographic apostrophes and dashes made ASCII;
- a phrase matches whole words: "Rechnung" matches "RECHNUNG," but not
  "Rechnungsadresse" (German compounds must be listed as such);
- spaces inside a phrase match any run of white space, and a hyphen also
  matches a space or nothing ("pre-order" = "pre order" = "preorder");
- a `*` between two words stands for up to three words of the same
  sentence: "würde ich * bestellen" matches "würde ich gleich zwei Stück
  bestellen";
- next to CJK characters there are no word boundaries, so Chinese phrases
  match as plain substrings.

Every language's phrases are searched in every message: language detection
is a guess, and these phrases do not mean something else in another
language.  Adding a language or a phrase is data only (the tables are in
`phrases`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from router.decide.phrases import (
    ACCOUNT,
    BEFORE_BUYING,
    POST_SALE,
    PRE_ORDER,
    PRE_SALE,
    PRODUCT_QUESTION,
)

# Typographic characters people and mail programs put where ASCII is meant.
_ASCII = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2032": "'", "\uff07": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2212": "-", "\uff0d": "-", "\u00a0": " ", "\u202f": " ",
})
# `str.translate` with a dict looks up every character in Python objects
# (~0.1 ms per KB); a regex pass in C visits only the characters to replace.
_TYPOGRAPHIC = re.compile("[" + re.escape("".join(map(chr, _ASCII))) + "]")


def _to_ascii(match: re.Match[str]) -> str:
    return str(_ASCII[ord(match.group())])


# Combining marks left by NFKD in Latin, Greek and Cyrillic text (the
# diacritics of every language served).  A regex removes them in one C pass,
# five times faster than testing `unicodedata.combining` per character.
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def normalise(text: str) -> str:
    """The form both phrases and texts are compared in (see module doc)."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", _TYPOGRAPHIC.sub(_to_ascii, text))
    return _MARKS.sub("", decomposed).casefold()


def _is_cjk(ch: str) -> bool:
    """Scripts written without spaces between words: no word boundaries there."""
    code = ord(ch)
    return (
        0x2E80 <= code <= 0x9FFF      # CJK radicals, kana, CJK unified ideographs
        or 0xAC00 <= code <= 0xD7AF   # Hangul syllables
        or 0xF900 <= code <= 0xFAFF   # CJK compatibility ideographs
        or 0xFF00 <= code <= 0xFFEF   # full-width forms
        or 0x20000 <= code <= 0x2FFFF
    )


def phrase_regex(phrase: str) -> str:
    """Regex source for one phrase, on normalised text (see module doc)."""
    head, body, tail = _phrase_parts(phrase)
    return head + body + tail


# What `*` between two words of a phrase stands for: up to three words
# ("würde ich * bestellen" = "würde ich gleich zwei Stück bestellen").
_GAP = r"[\s,;:]+(?:[^\s.!?]+[\s,;:]+){0,3}"


# A word character that is not CJK: Chinese text has no spaces, so "提交SAFE-T索赔"
# must still count "SAFE-T" as a whole word, while "Rechnungsadresse" must not
# count as "Rechnung".
_LATIN_WORD = (r"[^\W\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
               r"\uf900-\ufaff\uff00-\uffef]")


def _phrase_parts(phrase: str, word_char: str = _LATIN_WORD) -> tuple[str, str, str]:
    """(left boundary, body, right boundary) of a phrase's regex.

    `word_char` is the regex of a character that continues a word (see
    PhraseMatcher).
    """
    norm = normalise(phrase).strip(" *")
    body = ""
    gap = False
    for word in norm.split():
        if word == "*":
            gap = True
            continue
        pieces = [re.escape(p) for p in word.split("-") if p]
        regex = r"[\s-]?".join(pieces) if pieces else re.escape(word)
        if body:
            body += _GAP if gap else r"\s+"
        body += regex
        gap = False
    head = "" if _is_cjk(norm[0]) or not _is_word(norm[0]) else f"(?<!{word_char})"
    tail = "" if _is_cjk(norm[-1]) or not _is_word(norm[-1]) else f"(?!{word_char})"
    return head, body, tail


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


# What `re.escape` puts a backslash before; any other escape (`\\s`) is a class.
_ESCAPED = frozenset("()[]{}?*+-|^$\\.&~# \t\n\r\v\f")
_SPECIAL = frozenset("()[]{}?*+|^$.\\")
_QUANTIFIERS = frozenset("?*+{")


def _leading_literal(source: str) -> tuple[str, str] | None:
    """(first character's regex, the rest) when a regex starts with one plain character."""
    if not source:
        return None
    if source[0] == "\\":
        if len(source) < 2 or source[1] not in _ESCAPED:
            return None
        token, rest = source[:2], source[2:]
    elif source[0] in _SPECIAL:
        return None
    else:
        token, rest = source[0], source[1:]
    if rest and rest[0] in _QUANTIFIERS:  # "a?": not one plain character
        return None
    return token, rest


def alternation(branches: list[tuple[str, str]]) -> str:
    """`(?P<name>source)|...` with the leading characters branches share factored out.

    An alternation is tried branch after branch; branches that start with
    different characters cannot both match at one place, so those that
    start with the same one are tried together behind it (a trie): at each
    place only the branches of the character found there are entered.  A
    branch that does not start with a plain character could match anywhere
    and keeps its place among the others, so the first branch that matches
    is the same as in the flat alternation.
    """
    parts: list[str] = []
    run: dict[str, list[tuple[str, str]]] = {}

    def close_run() -> None:
        for token, group in run.items():
            parts.append(token + alternation(group))
        run.clear()

    for name, source in branches:
        lead = _leading_literal(source)
        if lead is None:
            close_run()
            parts.append(f"(?P<{name}>{source})")
        else:
            run.setdefault(lead[0], []).append((name, lead[1]))
    close_run()
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


def _is_latin1(text: str) -> bool:
    """No character beyond U+00FF (one copy in C for most mail)."""
    if text.isascii():
        return True
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _patterns(entries: list[tuple[str, str]], word_char: str
              ) -> list[tuple[re.Pattern[str], bool]]:
    """The compiled patterns of named phrases, `word_char` a word character's regex.

    Phrases that start at a word boundary are grouped by their first
    character, which is matched first; the boundary before it is then
    checked by a lookbehind over both.  Every branch of the pattern then
    starts with a plain character, so the regex engine skips straight to
    the places holding one of them; from there the phrases are tried as a
    trie (see `alternation`).  CJK phrases (no boundary) form a second
    pattern.  Each pattern comes with whether it can only match where a
    character beyond Latin-1 stands (the Chinese phrases): most mail has
    none, which is cheaper to tell than to scan for them.
    """
    bounded: dict[str, list[tuple[str, str]]] = {}
    free: list[tuple[str, str]] = []
    for name, phrase in entries:
        head, body, tail = _phrase_parts(phrase, word_char)
        if not head:
            free.append((name, body + tail))
        elif body[0] == normalise(phrase).strip()[0]:  # else ("*word") it never matches
            # A bounded body starts with its first word character, unescaped.
            bounded.setdefault(body[0], []).append((name, body[1:] + tail))
    patterns: list[tuple[re.Pattern[str], bool]] = []
    if bounded:
        source = "(?:" + "|".join(
            f"{re.escape(first)}(?<!{word_char}{re.escape(first)}){alternation(group)}"
            for first, group in bounded.items()) + ")"
        patterns.append((re.compile(source), min(map(ord, bounded)) > 0xFF))
    if free:
        leads = [_leading_literal(source) for _, source in free]
        wide = all(lead is not None and ord(lead[0][-1]) > 0xFF for lead in leads)
        patterns.append((re.compile(alternation(free)), wide))
    return patterns


@dataclass(frozen=True)
class PhraseHit:
    """Which phrase matched, from which language's list, and the text it matched."""

    language: str
    phrase: str
    matched: str


class PhraseMatcher:
    """Finds the first listed phrase in a text; compiled once, reused per message.

    `phrases` maps a language code to its phrases.  All phrases go into one
    alternation with a named group each (two: phrases that start with a
    word and CJK ones), so a search costs one or two regex passes however
    many languages are listed.
    """

    def __init__(self, phrases: Mapping[str, Iterable[str]]) -> None:
        self._names: dict[str, tuple[str, str]] = {}
        entries: list[tuple[str, str]] = []
        for language, words in phrases.items():
            for phrase in words:
                if phrase and phrase.strip():
                    name = f"p{len(self._names)}"
                    self._names[name] = (language, phrase)
                    entries.append((name, phrase))
        # Longer phrases first, so the reported phrase is the most specific
        # one.
        entries.sort(key=lambda item: len(item[1]), reverse=True)
        self._entries = entries
        self._listed = bool(entries)
        # Next to a text's characters up to U+00FF (most mail has no other)
        # a character that continues a word is just `\w`: patterns written
        # with it compile some thirty times faster than with `_LATIN_WORD`
        # (its CJK ranges), which are compiled only once a text needs them.
        self._narrow = _patterns(entries, r"\w")
        self._wide: list[tuple[re.Pattern[str], bool]] | None = None

    def __bool__(self) -> bool:
        return self._listed

    def prepare(self) -> None:
        """Compile the patterns for text beyond Latin-1 now, not on the first such text.

        They take seconds to compile (the CJK ranges of every phrase's
        boundaries): paid inside the first Chinese mail's decide, which a
        decide timeout counts.
        """
        if self._wide is None:
            self._wide = _patterns(self._entries, _LATIN_WORD)

    @property
    def prepared(self) -> bool:
        return self._wide is not None

    def search(self, normalised_text: str) -> PhraseHit | None:
        """First phrase found in `normalised_text` (already passed through `normalise`)."""
        narrow = _is_latin1(normalised_text)
        if narrow:
            patterns = self._narrow
        else:
            self.prepare()
            assert self._wide is not None
            patterns = self._wide
        best: re.Match[str] | None = None
        for regex, wide_only in patterns:
            if wide_only and narrow:
                continue
            match = regex.search(normalised_text)
            if match is not None and (best is None or match.start() < best.start()):
                best = match
        if best is None or best.lastgroup is None:
            return None
        language, phrase = self._names[best.lastgroup]
        # The whole match: a bounded phrase's group starts after its first character.
        return PhraseHit(language, phrase, best.group())


# --------------------------------------------------------------------------
# What of a text is the writer's own words.

_SIGNATURE = ("--", "-- ", "__")


def own_words(text: str) -> str:
    """`text` without quoted lines ("> ...") and without the signature.

    Phrases and keywords describe what the customer asks now; quoted
    history (an order confirmation, an earlier answer) may say anything.
    """
    if ">" not in text and "\n--" not in text:
        return text
    kept: list[str] = []
    for line in text.split("\n"):
        if line.rstrip() in _SIGNATURE:
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept)


# Compiled once at import: these lists do not depend on the config.
PRE_SALE_MATCHER = PhraseMatcher(PRE_SALE)
BEFORE_BUYING_MATCHER = PhraseMatcher(BEFORE_BUYING)
PRE_ORDER_MATCHER = PhraseMatcher(PRE_ORDER)
ACCOUNT_MATCHER = PhraseMatcher(ACCOUNT)
POST_SALE_MATCHER = PhraseMatcher(POST_SALE)
PRODUCT_QUESTION_MATCHER = PhraseMatcher(PRODUCT_QUESTION)
MATCHERS = (PRE_SALE_MATCHER, BEFORE_BUYING_MATCHER, PRE_ORDER_MATCHER, ACCOUNT_MATCHER,
            POST_SALE_MATCHER, PRODUCT_QUESTION_MATCHER)


def warm_up() -> None:
    """Compile every built-in phrase pattern now (at daemon start): see `prepare`."""
    for matcher in MATCHERS:
        matcher.prepare()
