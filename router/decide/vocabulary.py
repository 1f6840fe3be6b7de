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


# Combining marks left by NFKD in Latin, Greek and Cyrillic text (the
# diacritics of every language served).  A regex removes them in one C pass,
# five times faster than testing `unicodedata.combining` per character.
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def normalise(text: str) -> str:
    """The form both phrases and texts are compared in (see module doc)."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII))
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


def _phrase_parts(phrase: str) -> tuple[str, str, str]:
    """(left boundary, body, right boundary) of a phrase's regex."""
    norm = normalise(phrase).strip()
    parts = []
    for word in norm.split():
        pieces = [re.escape(p) for p in word.split("-") if p]
        parts.append(r"[\s-]?".join(pieces) if pieces else re.escape(word))
    body = r"\s+".join(parts)
    head = "" if _is_cjk(norm[0]) or not _is_word(norm[0]) else r"(?<!\w)"
    tail = "" if _is_cjk(norm[-1]) or not _is_word(norm[-1]) else r"(?!\w)"
    return head, body, tail


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


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
        # one.  Phrases that start at a word boundary share one lookbehind
        # outside the alternation: the engine then tries the branches only
        # where a word starts, which keeps a search fast.
        entries.sort(key=lambda item: len(item[1]), reverse=True)
        # Within the bounded ones, branches are grouped by their first
        # character behind a one-character lookahead, so at each word start
        # only the branches of that letter are tried (15 times faster on
        # long texts than one flat alternation).
        bounded: dict[str, list[str]] = {}
        free: list[str] = []
        for name, phrase in entries:
            head, body, tail = _phrase_parts(phrase)
            branch = f"(?P<{name}>{body}{tail})"
            if head:
                bounded.setdefault(normalise(phrase).strip()[0], []).append(branch)
            else:
                free.append(branch)
        sources = []
        if bounded:
            gated = (f"(?={re.escape(first)})(?:{'|'.join(branches)})"
                     for first, branches in bounded.items())
            sources.append(r"(?<!\w)(?:" + "|".join(gated) + ")")
        if free:
            sources.append("(?:" + "|".join(free) + ")")
        self._regexes = [re.compile(source) for source in sources]

    def __bool__(self) -> bool:
        return bool(self._regexes)

    def search(self, normalised_text: str) -> PhraseHit | None:
        """First phrase found in `normalised_text` (already passed through `normalise`)."""
        best: re.Match[str] | None = None
        for regex in self._regexes:
            match = regex.search(normalised_text)
            if match is not None and (best is None or match.start() < best.start()):
                best = match
        if best is None or best.lastgroup is None:
            return None
        language, phrase = self._names[best.lastgroup]
        return PhraseHit(language, phrase, best.group(best.lastgroup))


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
        "Mengenrabatt",
    ),
    "fr": (
        "avant d'acheter", "avant l'achat", "avant de commander", "avant ma commande",
        "avant de passer commande", "est-il disponible", "est-il en stock",
        "est-ce disponible", "est-il toujours disponible", "de nouveau disponible",
        "avez-vous en stock", "je souhaite acheter", "je voudrais acheter",
        "je voudrais commander", "je souhaite commander", "je compte acheter",
        "remise sur quantite", "avant d'effectuer ma commande",
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
        "discount for quantity",
    ),
    "zh": (
        "购买前", "购买之前", "下单前", "下单之前", "买之前", "有货吗", "有没有货", "还有货吗",
        "有现货吗", "是否有货", "是否有现货", "想购买", "想买", "打算购买", "准备购买",
        "批发价", "能便宜", "購買前", "有貨嗎",
    ),
    "it": (
        "prima di acquistare", "prima dell'acquisto", "prima di ordinare",
        "è disponibile", "e ancora disponibile", "disponibile in magazzino",
        "avete disponibilità", "vorrei acquistare", "vorrei comprare", "vorrei ordinare",
        "di nuovo disponibile",
    ),
    "es": (
        "antes de comprar", "antes de la compra", "antes de pedir", "antes de hacer el pedido",
        "está disponible", "esta disponible", "tienen en stock", "tienen stock",
        "hay stock", "quiero comprar", "quisiera comprar", "me gustaría comprar",
        "quisiera pedir", "de nuevo disponible",
    ),
    "nl": (
        "voor aankoop", "voordat ik bestel", "voordat ik koop", "voor ik bestel",
        "is het op voorraad", "is dit op voorraad", "is het leverbaar", "is dit leverbaar",
        "weer op voorraad", "wil graag kopen", "wil graag bestellen", "zou graag bestellen",
    ),
    "pl": (
        "przed zakupem", "przed zamówieniem", "zanim kupię", "zanim zamówię",
        "czy jest dostępny", "czy jest dostępna", "czy jest dostępne", "czy jest na stanie",
        "czy produkt jest dostępny", "chciałbym kupić", "chciałabym kupić",
        "chciałbym zamówić", "chciałabym zamówić",
    ),
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
    "de": (
        "CSBA-Gebühr", "CSBA-Gebühren", "CSBA Gebühren", "Gebühren", "Gebührenrechnung",
        "Anmeldung", "Abmeldung", "anmelden bei CSBA", "abmelden", "Teilnahme an CSBA",
        "SAFE-T", "SAFE-T-Antrag", "SAFE-T Antrag", "Erstattung durch Amazon",
        "von Amazon erstattet", "Amazon hat erstattet", "mein Konto", "meinem Konto",
        "mein Verkäuferkonto", "Verkäuferkonto", "Seller Central", "Kontakte pro Einheit",
    ),
    "fr": (
        "frais CSBA", "frais du service client", "inscription", "désinscription",
        "désinscrire", "réclamation SAFE-T", "demande SAFE-T", "SAFE-T",
        "remboursement par Amazon", "remboursé par Amazon", "mon compte", "mon compte vendeur",
        "Seller Central", "contacts par unité",
    ),
    "en": (
        "CSBA fee", "CSBA fees", "fees", "enrollment", "enrolment", "enroll", "enrol",
        "opt out", "opt-out", "unenroll", "SAFE-T", "SAFE-T claim", "refund granted by Amazon",
        "refunded by Amazon", "Amazon refunded", "my account", "my seller account",
        "Seller Central", "contacts per unit",
    ),
    "zh": (
        "CSBA费用", "CSBA收费", "服务费用", "注册CSBA", "CSBA注册", "加入CSBA", "退出CSBA",
        "取消注册", "SAFE-T", "SAFE-T索赔", "亚马逊退款", "亚马逊已退款",
        "我的账户", "我的帐户", "我的账号", "卖家账户", "卖家平台",
    ),
    "it": (
        "commissioni CSBA", "tariffe CSBA", "iscrizione", "disiscrizione", "SAFE-T",
        "reclamo SAFE-T", "rimborso da Amazon", "rimborsato da Amazon", "il mio account",
        "Seller Central",
    ),
    "es": (
        "tarifas CSBA", "comisiones CSBA", "inscripción", "darse de baja", "SAFE-T",
        "reclamación SAFE-T", "reembolso de Amazon", "reembolsado por Amazon", "mi cuenta",
        "Seller Central",
    ),
    "nl": (
        "CSBA-kosten", "kosten CSBA", "inschrijving", "uitschrijven", "aanmelding",
        "SAFE-T", "SAFE-T-claim", "terugbetaling door Amazon", "mijn account",
        "Seller Central",
    ),
    "pl": (
        "opłaty CSBA", "opłata CSBA", "rejestracja", "rezygnacja", "wypisanie", "SAFE-T",
        "roszczenie SAFE-T", "zwrot od Amazon", "zwrot przez Amazon", "moje konto",
        "Seller Central",
    ),
}

# Compiled once at import: these lists do not depend on the config.
PRE_SALE_MATCHER = PhraseMatcher(PRE_SALE)
PRE_ORDER_MATCHER = PhraseMatcher(PRE_ORDER)
ACCOUNT_MATCHER = PhraseMatcher(ACCOUNT)
