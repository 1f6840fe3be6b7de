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
language.  Adding a language or a phrase is data only (the tables below).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

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
# Data.  Keep phrases specific: short, common words cause false positives in
# the post-sale inquiries that make up most of the mail.

# Asking before buying: availability, price, delivery time for an item not
# ordered yet.  Counted only when no order of the seller was found.
PRE_SALE: dict[str, tuple[str, ...]] = {
    "de": (
        "vor dem Kauf", "vor meinem Kauf", "vor der Bestellung", "bevor ich bestelle",
        "bevor ich kaufe", "bevor ich den Artikel kaufe", "bevor ich das kaufe",
        "ist der Artikel lieferbar", "ist der Artikel verfügbar", "ist das noch lieferbar",
        "ist der Artikel noch verfügbar", "ist das Produkt verfügbar", "wieder lieferbar",
        "wieder auf Lager", "haben Sie das auf Lager", "vorrätig",
        "möchte gerne bestellen", "möchte bestellen", "würde gerne bestellen",
        "würde gerne kaufen", "überlege zu kaufen", "Kaufinteresse", "vor dem Bestellen",
        "Mengenrabatt", "würde ich * bestellen", "würde ich * kaufen", "würde * gerne bestellen",
        "möchte * bestellen", "möchte * kaufen", "will * bestellen", "bevor ich * bestelle",
        "bevor ich * kaufe", "gibt es * auch in", "gibt es * auch als", "gibt es den auch",
        "gibt es die auch", "gibt es das auch", "noch lieferbar", "noch erhältlich",
        "noch vorrätig", "wann wieder verfügbar", "wann ist * wieder", "liefern Sie auch nach",
        "liefern Sie auch in", "versenden Sie auch nach", "versenden Sie auch in",
        "Staffelpreis", "bei Abnahme von", "überlege * zu kaufen", "überlege * zu bestellen",
        "Interesse an", "interessiere mich für", "hätten Sie * auch", "haben Sie * auch in",
        "würde gerne * nehmen", "würde * nehmen",
    ),
    "fr": (
        "avant d'acheter", "avant l'achat", "avant de commander", "avant ma commande",
        "avant de passer commande", "est-il disponible", "est-il en stock",
        "est-ce disponible", "est-il toujours disponible", "de nouveau disponible",
        "avez-vous en stock", "je souhaite acheter", "je voudrais acheter",
        "je voudrais commander", "je souhaite commander", "je compte acheter",
        "remise sur quantite", "avant d'effectuer ma commande", "voudrais en commander",
        "voudrais en acheter", "je voudrais * commander", "je voudrais * acheter",
        "je souhaiterais * commander", "je souhaiterais acheter", "avant de * commander",
        "avant d'acheter", "est-ce que * existe en", "existe-t-il en", "existe-il en",
        "livrez-vous", "livrez-vous en", "expédiez-vous en", "est-il encore disponible",
        "encore disponible", "toujours en stock", "remise pour", "prix de gros",
        "avant mon achat", "avant achat", "intéressé par", "intéressée par", "j'hésite à",
        "je pense acheter", "je compte commander",
    ),
    "en": (
        "before I buy", "before buying", "before purchasing", "before I purchase",
        "before I order", "before ordering", "before placing an order",
        "do you have in stock", "do you have this in stock", "do you have it in stock",
        "is it in stock", "is this in stock", "is this item in stock", "back in stock",
        "is it available", "is this available", "is this item available",
        "is this still available", "would like to buy", "would like to purchase",
        "would like to order", "want to buy", "thinking of buying", "planning to buy",
        "interested in buying", "interested in purchasing", "bulk discount",
        "discount for quantity", "I'd like to order", "I'd like to buy", "I would like to order",
        "I'd order", "I would order", "I'll order", "I will order", "I'd buy", "I would buy",
        "like to order * if", "before I place", "before placing", "before ordering",
        "does it come in", "does this come in", "does * come in", "available in",
        "do you ship to", "do you deliver to", "can you ship to", "can you deliver to",
        "ship to * and how long", "still available", "in stock", "when will * be back",
        "discount if I buy", "discount if I order", "bulk order", "wholesale price",
        "thinking about getting", "thinking of getting", "thinking about buying",
        "considering buying", "considering ordering", "interested in", "before purchase",
        "if I order", "if I buy", "planning to order",
    ),
    "zh": (
        "购买前", "购买之前", "下单前", "下单之前", "买之前", "有货吗", "有没有货", "还有货吗",
        "有现货吗", "是否有货", "是否有现货", "想购买", "想买", "打算购买", "准备购买",
        "批发价", "能便宜", "購買前", "有貨嗎", "下单之前", "想买", "想要买", "想订", "能寄到",
        "能发到", "可以寄到", "有没有黑色", "有没有其他颜色", "什么时候有货", "还有吗", "想给",
        "打算买", "准备买", "考虑买", "买一个", "买两个",
    ),
    "it": (
        "prima di acquistare", "prima dell'acquisto", "prima di ordinare",
        "è disponibile", "e ancora disponibile", "disponibile in magazzino",
        "avete disponibilità", "vorrei acquistare", "vorrei comprare", "vorrei ordinare",
        "di nuovo disponibile", "vorrei ordinarne", "vorrei comprarne", "vorrei * ordinare",
        "vorrei * acquistare", "prima di * ordinare", "è disponibile anche", "disponibile anche",
        "spedite in", "spedite anche", "avete ancora", "ancora disponibile",
        "interessato all'acquisto", "interessata all'acquisto", "interessato a", "sto pensando di",
    ),
    "es": (
        "antes de comprar", "antes de la compra", "antes de pedir", "antes de hacer el pedido",
        "está disponible", "esta disponible", "tienen en stock", "tienen stock",
        "hay stock", "quiero comprar", "quisiera comprar", "me gustaría comprar",
        "quisiera pedir", "de nuevo disponible", "quisiera * comprar", "quisiera * pedir",
        "me gustaría * comprar", "me gustaría * pedir", "antes de * comprar",
        "disponible en", "envían a", "hacen envíos a", "todavía disponible", "aún disponible",
        "pensando en comprar", "pensando en pedir", "interesado en", "interesada en",
    ),
    "nl": (
        "voor aankoop", "voordat ik bestel", "voordat ik koop", "voor ik bestel",
        "is het op voorraad", "is dit op voorraad", "is het leverbaar", "is dit leverbaar",
        "weer op voorraad", "wil graag kopen", "wil graag bestellen", "zou graag bestellen",
        "dan bestel ik", "dan koop ik", "wil * bestellen", "zou * bestellen", "zou * kopen",
        "voordat ik * bestel", "verkrijgbaar in", "ook verkrijgbaar", "nog verkrijgbaar",
        "nog leverbaar", "leveren jullie in", "leveren jullie ook", "versturen jullie naar",
        "twijfel * of ik", "overweeg * te kopen", "geïnteresseerd in", "of ik * bestel",
    ),
    "pl": (
        "przed zakupem", "przed zamówieniem", "zanim kupię", "zanim zamówię",
        "czy jest dostępny", "czy jest dostępna", "czy jest dostępne", "czy jest na stanie",
        "czy produkt jest dostępny", "chciałbym kupić", "chciałabym kupić",
        "chciałbym zamówić", "chciałabym zamówić", "chciałbym * kupić", "chciałabym * kupić",
        "chciałbym * zamówić", "chciałabym * zamówić", "zanim * zamówię", "zanim * kupię",
        "jest dostępna w", "jest dostępny w", "czy wysyłacie do", "czy wysyłają Państwo",
        "nadal dostępny", "nadal dostępna", "zastanawiam się nad zakupem", "zastanawiam się",
        "przed zakupem", "interesuje mnie", "jestem zainteresowany", "jestem zainteresowana",
    ),
}

# Saying outright that nothing is bought yet ("before I place my order"):
# decides pre-sale even where purchase words follow ("my order").
BEFORE_BUYING: dict[str, tuple[str, ...]] = {
    "de": ("vor dem Kauf", "vor meinem Kauf", "vor der Bestellung", "vor dem Bestellen",
           "bevor ich * bestelle", "bevor ich * kaufe", "bevor wir * bestellen"),
    "fr": ("avant d'acheter", "avant l'achat", "avant mon achat", "avant de * commander",
           "avant ma commande", "avant de passer commande", "avant d'effectuer ma commande"),
    "en": ("before I buy", "before buying", "before purchasing", "before I purchase",
           "before I order", "before ordering", "before placing", "before I place",
           "before we order", "before we buy"),
    "zh": ("购买前", "购买之前", "下单前", "下单之前", "买之前", "購買前"),
    "it": ("prima di acquistare", "prima dell'acquisto", "prima di * ordinare"),
    "es": ("antes de comprar", "antes de la compra", "antes de * pedir",
           "antes de hacer el pedido"),
    "nl": ("voor aankoop", "voordat ik * bestel", "voordat ik * koop", "voor ik bestel"),
    "pl": ("przed zakupem", "przed zamówieniem", "zanim * zamówię", "zanim * kupię"),
}

# Pre-orders of items not released yet: out of CSBA's scope even with an
# order id (the help page excludes "précommandes").
PRE_ORDER: dict[str, tuple[str, ...]] = {
    "de": ("Vorbestellung", "Vorbestellungen", "vorbestellen", "vorbestellt",
           "vorbestellte", "vorbestellten", "Erscheinungsdatum", "Erscheinungstermin"),
    "fr": ("précommande", "précommandes", "précommander", "précommandé", "pré-commande",
           "date de sortie"),
    "en": ("pre-order", "pre-orders", "pre-ordered", "pre-ordering", "release date"),
    "zh": ("预订", "预售", "預訂", "預購", "发售日期", "上市日期"),
    "it": ("preordine", "pre-ordine", "preordinato", "prenotazione", "data di uscita"),
    "es": ("reserva del producto", "preventa", "pre-pedido", "prepedido",
           "fecha de lanzamiento"),
    "nl": ("voorbestelling", "voorbestellen", "voorbesteld", "releasedatum"),
    "pl": ("przedsprzedaż", "przedsprzedaży", "zamówienie przedpremierowe", "data premiery"),
}

# A seller writing about its own account, not handing over an inquiry.
# Only looked for when no forward was recognised.
ACCOUNT: dict[str, tuple[str, ...]] = {
    # Words a customer uses too ("Gebühren", "my account", "mon compte",
    # "Anmeldung") are not listed alone: a seller pasting a customer's mail
    # without a forward header must not be taken for an account question.
    "de": (
        "CSBA-Gebühr", "CSBA-Gebühren", "CSBA Gebühren", "CSBA-Kosten", "Gebührenrechnung",
        "CSBA-Rechnung", "Gebühren für CSBA", "Gebühren für den Kundenservice",
        "Kundenservice durch Amazon", "Kundenservice von Amazon", "anmelden bei CSBA",
        "bei CSBA anmelden", "von CSBA abmelden", "CSBA abmelden", "CSBA kündigen",
        "Abmeldung von CSBA", "Anmeldung bei CSBA", "Teilnahme an CSBA", "Teilnahme am Programm",
        "SAFE-T", "SAFE-T-Antrag", "SAFE-T Antrag", "Erstattung durch Amazon",
        "von Amazon erstattet", "Amazon hat erstattet", "Amazon hat dem Kunden erstattet",
        "von Amazon * erstattet", "Amazon hat * erstattet",
        "mein Verkäuferkonto", "Verkäuferkonto", "Seller Central", "Kontakte pro Einheit",
        "Probezeitraum", "kostenlose Testphase",
    ),
    "fr": (
        "frais CSBA", "frais du service client", "service client géré par Amazon",
        "inscription au service", "désinscription", "désinscrire", "me désinscrire",
        "réclamation SAFE-T", "demande SAFE-T", "SAFE-T", "remboursement par Amazon",
        "remboursé par Amazon", "Amazon a remboursé", "mon compte vendeur", "compte vendeur",
        "remboursé * par Amazon", "Amazon a * remboursé",
        "Seller Central", "contacts par unité", "période d'essai",
    ),
    "en": (
        "CSBA fee", "CSBA fees", "CSBA charges", "CSBA invoice", "Customer Service by Amazon",
        "enrollment", "enrolment", "enroll", "enrol", "unenroll", "opt out of CSBA",
        "opt-out of CSBA", "opt out of the program", "leave the program", "SAFE-T",
        "SAFE-T claim", "refund granted by Amazon", "refunded by Amazon", "Amazon refunded",
        "refunded * by Amazon", "refund * by Amazon", "Amazon * refunded the customer",
        "my seller account", "seller account", "Seller Central", "contacts per unit",
        "free trial",
    ),
    "zh": (
        "CSBA费用", "CSBA收费", "CSBA服务费", "服务费用", "注册CSBA", "CSBA注册", "加入CSBA",
        "退出CSBA", "取消注册", "亚马逊客户服务", "SAFE-T", "SAFE-T索赔", "亚马逊退款",
        "亚马逊已退款", "我的账户", "我的帐户", "我的账号", "卖家账户", "卖家帐户", "卖家平台",
        "免费试用",
    ),
    "it": (
        "commissioni CSBA", "tariffe CSBA", "costi CSBA", "disiscrizione", "SAFE-T",
        "reclamo SAFE-T", "rimborso da Amazon", "rimborsato da Amazon", "account venditore",
        "Seller Central",
    ),
    "es": (
        "tarifas CSBA", "comisiones CSBA", "costes CSBA", "darse de baja de CSBA", "SAFE-T",
        "reclamación SAFE-T", "reembolso de Amazon", "reembolsado por Amazon",
        "cuenta de vendedor", "Seller Central",
    ),
    "nl": (
        "CSBA-kosten", "kosten CSBA", "uitschrijven", "SAFE-T", "SAFE-T-claim",
        "terugbetaling door Amazon", "verkopersaccount", "Seller Central",
    ),
    "pl": (
        "opłaty CSBA", "opłata CSBA", "rezygnacja z CSBA", "SAFE-T", "roszczenie SAFE-T",
        "zwrot od Amazon", "zwrot przez Amazon", "konto sprzedawcy", "Seller Central",
    ),
}

# Signs of an earlier purchase ("I ordered", "my parcel", "a refund").
# Used only where no order was found, to tell a post-sale inquiry without
# an id (held for a person) from a question about a product (pre-sale).
POST_SALE: dict[str, tuple[str, ...]] = {
    "de": (
        "bestellt", "habe bestellt", "gekauft", "meine Bestellung", "meiner Bestellung",
        "Bestellnummer", "geliefert", "nicht erhalten", "habe * erhalten", "erhalten habe",
        "nicht bekommen", "habe * bekommen", "bekommen habe",
        "angekommen", "Paket", "Päckchen", "Sendung", "Sendungsnummer", "Sendungsverfolgung",
        "zurückschicken", "zurücksenden", "Rücksendung", "Retoure", "Erstattung",
        "erstatten", "Rückerstattung", "Geld zurück", "umtauschen", "Umtausch", "defekt",
        "kaputt", "beschädigt", "funktioniert nicht", "stornieren", "Stornierung",
        "falscher Artikel", "falsche Farbe", "fehlt", "Reklamation", "wo bleibt", "noch nicht da",
        "nicht angekommen", "zurückgeschickt", "zurückgesendet", "Gutschrift", "Ersatzlieferung",
        "Garantiefall", "storniert", "Paketdienst", "Zusteller", "warte seit", "warte noch",
        "warte immer noch",
        "warten seit", "geht nicht mehr", "funktioniert nicht mehr", "geht kaputt",
        "ging kaputt", "ist kaputt", "nicht mehr an",
    ),
    "fr": (
        "commandé", "j'ai commandé", "acheté", "ma commande", "la commande",
        "numéro de commande", "livré", "reçu", "colis", "numéro de suivi", "retourner",
        "renvoyer", "remboursement", "rembourser", "échanger",
        "défectueux", "cassé", "endommagé", "ne fonctionne pas", "annuler", "annulation",
        "manquant", "pas arrivé", "où est ma", "où est mon", "toujours pas reçu", "renvoyé",
        "retourné", "pas encore reçu", "remplacement", "j'attends", "nous attendons",
        "ne marche plus",
        "ne fonctionne plus", "ne s'allume plus", "est tombé en panne",
    ),
    "en": (
        "ordered", "I bought", "purchased", "my order", "the order", "order number",
        "delivered", "received", "arrived", "parcel", "package", "tracking number",
        "my shipment", "returned", "refund", "replacement", "defective",
        "broken", "damaged", "does not work", "doesn't work", "not working", "cancel",
        "cancellation", "missing", "wrong item", "wrong size", "wrong colour", "wrong color",
        "where is my",
        "where's my", "hasn't arrived", "has not arrived", "never arrived", "sent * back",
        "money back", "got the wrong", "I got",
        "I received", "came today", "was delivered", "waiting for my", "waiting on my",
        "still waiting", "stopped working", "no longer works", "doesn't turn on",
        "won't turn on", "stopped", "turn up",
    ),
    "zh": (
        "已下单", "下了单", "买了", "已购买", "购买了", "我的订单", "订单号", "订单", "收到",
        "到货", "包裹", "退货", "退款", "换货", "坏了", "损坏",
        "破损", "不能用", "取消", "少了", "發貨", "訂單", "退貨", "没收到", "没有收到", "寄回",
        "退回", "已经发货", "快递单号", "物流单号", "质量问题", "等了", "还没到", "不亮了",
        "坏掉", "不工作", "用不了",
    ),
    "it": (
        "ordinato", "ho ordinato", "acquistato", "ho comprato", "il mio ordine", "l'ordine",
        "numero d'ordine", "numero ordine", "consegnato", "ricevuto", "arrivato",
        "pacco", "tracciamento", "restituire", "rimborso",
        "sostituzione", "difettoso", "rotto", "danneggiato", "non funziona", "annullare",
        "mancante", "dov'è il mio", "non è arrivato", "non è ancora arrivato", "restituito",
        "rispedito", "mi è arrivato", "ho ricevuto", "sto aspettando", "sto ancora aspettando",
        "aspetto ancora", "non si accende", "ha smesso di funzionare", "non funziona più",
    ),
    "es": (
        "pedido", "he pedido", "compré", "he comprado", "mi pedido", "el pedido",
        "número de pedido", "entregado", "recibido", "recibí", "llegado", "llegó",
        "paquete", "seguimiento", "devolver", "reembolso",
        "defectuoso", "roto", "dañado", "no funciona", "cancelar", "falta", "dónde está mi",
        "no ha llegado", "no me ha llegado", "devuelto", "me llegó", "sigo esperando",
        "estoy esperando", "no enciende", "dejó de funcionar", "ya no funciona",
    ),
    "nl": (
        "besteld", "gekocht", "mijn bestelling", "de bestelling", "bestelnummer",
        "geleverd", "ontvangen", "aangekomen", "pakket",
        "track and trace", "retour", "retourneren", "terugsturen", "terugbetaling",
        "geld terug", "omruilen", "defect", "kapot", "beschadigd", "werkt niet",
        "annuleren", "ontbreekt", "waar blijft", "nooit aangekomen", "niet aangekomen",
        "teruggestuurd", "heb * ontvangen", "wacht nog", "wacht al", "ik wacht",
        "doet het niet meer",
        "werkt niet meer", "gaat niet meer aan",
    ),
    "pl": (
        "zamówiłem", "zamówiłam", "kupiłem", "kupiłam", "moje zamówienie", "zamówienie",
        "zamówienia", "numer zamówienia", "dostarczono", "otrzymałem",
        "otrzymałam", "doszła", "doszło", "paczka", "paczki", "przesyłka", "przesyłki",
        "zwrot", "zwrócić", "zwrotu", "wymiana", "wadliwy", "zepsuty", "uszkodzony",
        "uszkodzona", "nie działa", "anulować", "brakuje", "gdzie jest moja", "gdzie jest moje",
        "nie doszła", "nie dotarła", "odesłałem", "odesłałam", "czekam na", "nadal czekam",
        "przestał działać", "przestała działać", "nie włącza się",
        "reklamacja",
    ),
}

# Questions about a product: what a shopper asks before buying.  Counted
# as pre-sale only with no order id and no sign of a purchase (POST_SALE).
PRODUCT_QUESTION: dict[str, tuple[str, ...]] = {
    "de": (
        "lieferbar", "verfügbar", "auf Lager", "vorrätig", "kompatibel", "passt das",
        "passt der", "passt die", "passend für", "geeignet für", "Lieferzeit",
        "wie lange dauert die Lieferung", "Maße", "Abmessungen", "welche Größe",
        "gibt es den", "gibt es die", "gibt es das", "in einer anderen Farbe", "Rabatt",
        "Preisnachlass", "günstiger", "Angebot", "liefern Sie nach", "versenden Sie nach",
        "kann man", "funktioniert das mit", "funktioniert der mit", "funktioniert die mit",
        "wie groß ist", "wie hoch ist", "wie lang ist", "wie breit ist", "wie schwer ist",
        "aus welchem Material", "dimmbar", "wasserdicht", "gibt's",
    ),
    "fr": (
        "disponible", "en stock", "compatible", "convient", "adapté à", "délai de livraison",
        "dimensions", "quelle taille", "existe-t-il", "existe-il", "existe en",
        "dans une autre couleur", "réduction", "remise", "moins cher",
        "livrez-vous", "expédiez-vous", "est-ce que ce produit", "ce produit",
        "fonctionne avec", "quelle est la hauteur", "quelle est la taille",
        "quelle est la longueur",
        "quel est le poids", "en quelle matière", "étanche", "dimmable",
    ),
    "en": (
        "available", "in stock", "compatible", "will it fit", "does it fit", "does this fit",
        "suitable for", "delivery time", "how long does shipping take", "dimensions",
        "what size", "do you have", "do you sell", "in another colour", "in another color",
        "discount", "cheaper", "do you ship to", "do you deliver to", "does it work with",
        "does this work with", "will this work with", "this item", "this product",
        "how big is", "how tall is", "how long is", "how heavy is", "what are the dimensions",
        "what is the wattage", "what's the wattage", "what material", "waterproof",
        "can I dim", "dimmable", "can it be used",
    ),
    "zh": (
        "有货", "现货", "库存", "兼容", "适合", "适用", "尺寸", "多大", "多高", "多长", "有没有",
        "能不能", "防水", "可以调光",
        "可以用", "什么时候有货", "优惠", "折扣", "便宜", "发货到", "能寄到", "这款", "这个产品",
    ),
    "it": (
        "disponibile", "in magazzino", "compatibile", "adatto", "tempi di consegna",
        "dimensioni", "che taglia", "avete", "in un altro colore", "sconto",
        "spedite in", "questo prodotto", "questo articolo", "funziona con", "quanto è alto",
        "quanto è alta", "quanto è grande", "quanto pesa", "impermeabile",
    ),
    "es": (
        "disponible", "en stock", "compatible", "sirve para", "plazo de entrega",
        "dimensiones", "qué talla", "tienen", "en otro color", "descuento", "más barato",
        "envían a", "este producto", "este artículo", "funciona con", "cuánto mide",
        "cuánto pesa", "qué tamaño", "impermeable",
    ),
    "nl": (
        "beschikbaar", "op voorraad", "leverbaar", "compatibel", "geschikt voor",
        "levertijd", "afmetingen", "welke maat", "hebben jullie", "in een andere kleur",
        "korting", "goedkoper", "leveren jullie", "dit product", "dit artikel",
        "werkt het met", "hoe hoog is", "hoe groot is", "hoe lang is", "hoe zwaar is",
        "waterdicht", "dimbaar",
    ),
    "pl": (
        "dostępny", "dostępna", "dostępne", "na stanie", "w magazynie", "kompatybilny",
        "pasuje do", "czy pasuje", "nadaje się", "czas dostawy", "wymiary", "jaki rozmiar",
        "czy macie", "w innym kolorze", "rabat", "zniżka", "taniej", "wysyłacie do",
        "ten produkt", "ten artykuł", "działa z", "jaka jest wysokość", "jaki jest rozmiar",
        "ile waży", "jakie są wymiary", "wodoodporny",
    ),
}

# Built-in words of the help page's two rule categories, for the languages
# an admin's `invoice`/`customization` rule does not list (see rules.py).
RULE_VOCABULARY: dict[str, dict[str, tuple[str, ...]]] = {
    "invoice": {
        "de": ("Rechnung", "Rechnungskopie", "Umsatzsteuer", "MwSt", "Quittung"),
        "fr": ("facture", "facturation", "TVA"),
        "en": ("invoice", "VAT receipt", "VAT invoice", "receipt"),
        "zh": ("发票", "發票", "收据"),
        "it": ("fattura", "fatturazione", "ricevuta fiscale", "IVA"),
        "es": ("factura", "facturación", "IVA"),
        "nl": ("factuur", "btw-factuur", "BTW", "kwitantie"),
        "pl": ("faktura", "faktury", "fakturę", "fakturą", "faktura VAT", "paragon"),
    },
    "customization": {
        "de": ("Gravur", "Personalisierung", "personalisiert", "individualisiert"),
        "fr": ("gravure", "personnalisation", "personnalisé", "personnalisée"),
        "en": ("engraving", "personalization", "personalisation", "personalised",
               "personalized", "customization", "customisation", "custom text"),
        "zh": ("定制", "刻字", "个性化", "訂製"),
        "it": ("incisione", "personalizzazione", "personalizzato", "personalizzata"),
        "es": ("grabado", "personalización", "personalizado", "personalizada"),
        "nl": ("gravure", "graveren", "personalisatie", "gepersonaliseerd"),
        "pl": ("grawer", "grawerunek", "grawerem", "personalizacja", "personalizacji",
               "spersonalizowany", "spersonalizowana"),
    },
}


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
