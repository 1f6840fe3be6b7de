"""Generate tests/decide/labelled/: the labelled set and the world it lives in.

Usage:  .venv/bin/python tools/make_labelled_set.py [--out DIR] [--seed N]

Writes config.yaml (sellers of two regions, exact and `*@domain`
addresses, enrollments with an opt-out gap and a re-enrollment, the
invoice/customization rules), orders-<SELLER>.tsv (Amazon's All Orders
report), world.json (the classification time and the contact history),
one .eml per message and labels.csv (file, envelope sender, envelope
recipient, expected category and action, customer language, note).

Every label is set here from the scenario the message was built for, by
the contract's rules, never by running the classifier.  The output is
committed: tests read the files, they do not run this script.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import labelled_text as T  # noqa: E402
from labelled_mime import (  # noqa: E402
    address,
    attached_message,
    binary,
    encode_header,
    html_from_text,
    leaf,
    message,
    multipart,
)

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
HOSTNAME = "csba-router.example.internal"
REGION_ADDRESS = {"de2de": "csba-de2de@amazon.de", "cn2de": "csba-cn2de@amazon.de"}
DEFAULT_ACTIONS = {
    "post_sale_seller_fulfilled": "forward", "follow_up": "forward", "seller_question": "bounce",
    "pre_sale": "bounce", "amazon_fulfilled": "bounce", "invoice": "bounce",
    "customization": "bounce", "not_covered": "bounce", "order_unknown": "hold",
    "unknown_sender": "hold", "auto_generated": "drop",
}
OUT = Path(__file__).resolve().parents[1] / "tests" / "decide" / "labelled"
CET = timezone(timedelta(hours=1))


# --------------------------------------------------------------------------
# The world.


@dataclass
class SellerDef:
    id: str
    name: str
    region: str
    language: str
    addresses: list[str]
    senders: list[str]  # addresses it actually sends from
    enrollment: list[tuple[str, str | None]]
    styles: list[str]
    mta: str
    before: str  # a purchase date before the first enrollment
    gap: str | None = None  # a purchase date inside the opt-out gap


SELLERS = [
    SellerDef("A1MUSTERHANDEL", "Musterhandel GmbH", "de2de", "de", ["service@musterhandel.de"],
              ["service@musterhandel.de"], [("2026-06-01", None)],
              ["outlook_de", "gmail_de", "thunderbird_de", "apple_de", "rfc822", "auto_forward",
               "nested", "none"], "mail.musterhandel.de", "2026-05-12T14:22:10+02:00"),
    SellerDef("A2BRIGHTLIGHT", "Shenzhen Bright Lighting Co., Ltd.", "cn2de", "zh",
              ["*@brightlight-sz.cn"], ["lily.chen@brightlight-sz.cn", "service@brightlight-sz.cn"],
              [("2026-03-01", "2026-08-15"), ("2026-10-01", None)],
              ["foxmail", "outlook_en", "gmail_en", "rfc822", "none"], "smtp.qiye.aliyun.com",
              "2026-02-20T08:10:00+00:00", gap="2026-09-03T10:45:00+00:00"),
    SellerDef("A3LUMIERE", "Maison Lumière SARL", "de2de", "fr",
              ["contact@maison-lumiere.fr", "*@lumiere-boutique.fr"],
              ["contact@maison-lumiere.fr", "sav@lumiere-boutique.fr"], [("2026-04-15", None)],
              ["outlook_fr", "gmail_fr", "apple_fr", "thunderbird_fr", "none"],
              "smtp.ovh.net", "2026-04-02T19:30:00+02:00"),
    SellerDef("A4GADGETWORKS", "GadgetWorks Ltd", "de2de", "en", ["support@gadgetworks.co.uk"],
              ["support@gadgetworks.co.uk"], [("2026-02-01", "2026-07-01"), ("2026-09-01", None)],
              ["outlook_en", "outlook_underscore", "gmail_en", "apple_en", "thunderbird_en",
               "rfc822", "auto_forward"], "EUR05-AM6-obe.outbound.protection.outlook.com",
              "2026-01-18T11:00:00+00:00", gap="2026-07-20T16:05:00+01:00"),
    SellerDef("A5SHENGDA", "义乌盛达贸易有限公司", "cn2de", "zh",
              ["shengda_trade@163.com", "kefu@shengda-trade.cn"],
              ["shengda_trade@163.com", "kefu@shengda-trade.cn"], [("2026-05-01", None)],
              ["netease", "foxmail", "none"], "m16.mail.163.com", "2026-04-21T03:12:00+00:00"),
    SellerDef("A6HZHOME", "Hangzhou Homeware Co.", "cn2de", "en",
              ["*@hz-homeware.com", "hzhomeware@126.com"],
              ["amy@hz-homeware.com", "hzhomeware@126.com"], [("2026-08-01", None)],
              ["netease", "gmail_en", "outlook_en"], "mx.hz-homeware.com",
              "2026-07-25T09:00:00+00:00"),
]
BY_ID = {s.id: s for s in SELLERS}


@dataclass
class Order:
    id: str
    seller: str
    purchase: str
    status: str
    channel: str
    kind: str
    lines: list[tuple[str, str, str, int]] = field(default_factory=list)  # sku, chan, status, qty


class World:
    """Order pools per seller and kind, and the contact history."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.orders: dict[str, list[Order]] = {s.id: [] for s in SELLERS}
        self.pools: dict[tuple[str, str], list[Order]] = {}
        for seller in SELLERS:
            self._fill(seller)
        self.contacts: list[dict[str, object]] = []

    def new_id(self) -> str:
        while True:
            oid = (f"{self.rng.choice(['302', '303', '304', '305', '028'])}-"
                   f"{self.rng.randrange(10**6, 10**7):07d}-{self.rng.randrange(10**6, 10**7):07d}")
            if oid not in self.used:
                self.used.add(oid)
                return oid

    def _add(self, seller: SellerDef, kind: str, purchase: str, status: str, channel: str,
             extra_channel: str | None = None) -> Order:
        order = Order(self.new_id(), seller.id, purchase, status, channel, kind)
        qty = self.rng.choice([1, 1, 1, 2, 3])
        item_status = {"Shipped": "Shipped", "Pending": "Unshipped", "Unshipped": "Unshipped",
                       "Cancelled": "Cancelled"}[status]
        order.lines.append((f"SKU-{self.rng.randrange(1000, 9999)}", channel, item_status, qty))
        if extra_channel:
            order.lines.append((f"SKU-{self.rng.randrange(1000, 9999)}", extra_channel,
                                "Shipped", 1))
        self.orders[seller.id].append(order)
        self.pools.setdefault((seller.id, kind), []).append(order)
        return order

    def _when(self, start: datetime, end: datetime) -> str:
        seconds = int((end - start).total_seconds())
        moment = start + timedelta(seconds=self.rng.randrange(seconds))
        zone = self.rng.choice([UTC, CET, timezone(timedelta(hours=2))])
        return moment.astimezone(zone).replace(microsecond=0).isoformat()

    def _fill(self, seller: SellerDef) -> None:
        latest_start = datetime.fromisoformat(seller.enrollment[-1][0]).replace(tzinfo=UTC)
        recent = (max(latest_start, NOW - timedelta(days=60)), NOW - timedelta(hours=30))
        for _ in range(40):
            self._add(seller, "enrolled", self._when(*recent), "Shipped", "Merchant")
        for status in ("Pending", "Unshipped", "Pending", "Unshipped"):
            self._add(seller, "pending", self._when(NOW - timedelta(days=4), NOW - timedelta(
                hours=31)), status, "Merchant")
        for _ in range(12):
            self._add(seller, "afn", self._when(*recent), "Shipped", "Amazon")
        for _ in range(6):
            self._add(seller, "preorder", self._when(*recent), "Pending", "Merchant")
        self._add(seller, "mixed", self._when(*recent), "Shipped", "Merchant", "Amazon")
        first = datetime.fromisoformat(seller.before)
        for n in range(5):
            moment = (first - timedelta(days=3 * n, hours=n)).isoformat()
            self._add(seller, "before", moment if n else seller.before, "Shipped", "Merchant")
        if seller.gap:
            gap = datetime.fromisoformat(seller.gap)
            for n in range(5):
                self._add(seller, "gap", (gap + timedelta(days=2 * n, hours=3 * n)).isoformat(),
                          "Shipped", "Merchant")
        # Purchases around an enrollment boundary, in local time with an offset.
        if seller.id == "A2BRIGHTLIGHT":  # 2026-08-14 23:30 UTC: last covered hour
            self._add(seller, "boundary_in", "2026-08-15T01:30:00+02:00", "Shipped", "Merchant")
        if seller.id == "A4GADGETWORKS":  # the opt-out day itself is not covered
            self._add(seller, "boundary_out", "2026-07-01T00:30:00+00:00", "Shipped", "Merchant")
        if seller.id == "A1MUSTERHANDEL":  # 2026-05-31 23:00 UTC: before the first day
            self._add(seller, "boundary_out", "2026-06-01T01:00:00+02:00", "Shipped", "Merchant")
        for _ in range(15):  # orders nobody writes about
            self._add(seller, "filler", self._when(*recent), self.rng.choice(
                ["Shipped", "Shipped", "Cancelled"]), self.rng.choice(["Merchant", "Amazon"]))

    def take(self, seller: str, kind: str) -> Order:
        """An order of that kind nobody else's message uses (each id tells one story)."""
        pool = self.pools[(seller, kind)]
        if not pool:
            raise RuntimeError(f"pool {seller}/{kind} exhausted")
        return pool.pop(0)

    def contact(self, contact_id: int, seller: str, order: Order, age: timedelta) -> str:
        forward_id = f"<{(NOW - age):%Y%m%d%H%M%S}.{contact_id}@{HOSTNAME}>"
        self.contacts.append({
            "contact_id": contact_id, "seller_id": seller, "order_id": order.id,
            "last_activity_at": (NOW - age).isoformat(), "forward_message_ids": [forward_id],
        })
        return forward_id


# --------------------------------------------------------------------------
# Customers' mail.


@dataclass
class CustomerMail:
    name: str
    addr: str
    subject: str
    body: str
    date: datetime
    message_id: str
    lang: str
    via_amazon: bool = False


MONTHS = {
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "it": ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"],
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"],
    "pl": ["stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia",
           "września", "października", "listopada", "grudnia"],
}


def date_words(lang: str, when: datetime) -> str:
    if lang == "zh":
        return f"{when.month}月{when.day}日"
    if lang == "en":
        return f"{when.day} {MONTHS['en'][when.month - 1]}"
    return f"{when.day}. {MONTHS[lang][when.month - 1]}" if lang == "de" else \
        f"{when.day} {MONTHS[lang][when.month - 1]}"


class Writer:
    """Customer texts from the fragments, with the variety people have."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.count = 0

    def pick(self, items: list[str]) -> str:
        return self.rng.choice(items)

    def text(self, lang: str, kind: str, oid: str | None, *, typo: bool | None = None,
             quote: bool | None = None) -> str:
        """One customer's mail body of `kind` (post, post_noid, pre, preorder, invoice...)."""
        product = self.pick(T.PRODUCTS[lang])
        purchase = NOW - timedelta(days=self.rng.randrange(5, 30))
        table = {"post": T.POST_SALE, "post_noid": T.POST_SALE_NO_ID, "pre": T.PRE_SALE,
                 "preorder": T.PRE_ORDER, "invoice": T.INVOICE, "custom": T.CUSTOMIZATION,
                 "follow": T.FOLLOW_UP}[kind]
        core = self.pick(table[lang]).format(oid=oid or "", product=product,
                                             date=date_words(lang, purchase))
        if lang != "zh" and core[:1].islower() and self.rng.random() < 0.3:
            core = core[0].upper() + core[1:]
        parts = []
        greeting = self.pick(T.GREETINGS[lang])
        if self.rng.random() < 0.85:
            parts.append(greeting)
        parts.append(core)
        if kind in ("post", "post_noid", "follow"):
            request = self.pick(T.REQUESTS[lang])
            if request:
                parts.append(request)
        closing = self.pick(T.CLOSINGS[lang])
        name = self.current_name
        parts.append(f"{closing}\n{name.split()[0] if self.rng.random() < 0.5 else name}")
        signature = self.pick(T.SIGNATURES[lang])
        if signature:
            parts.append(signature)
        body = "\n\n".join(parts)
        if typo if typo is not None else self.rng.random() < 0.3:
            for right, wrong in T.TYPOS.get(lang, [])[:2]:
                if right in body and self.rng.random() < 0.6:
                    body = body.replace(right, wrong, 1)
        if quote if quote is not None else (kind == "post" and self.rng.random() < 0.2):
            body += "\n\n" + self.quoted_history(lang)
        return body

    def quoted_history(self, lang: str) -> str:
        """The seller's earlier shipping mail, quoted below the customer's words."""
        lines = {
            "de": ["Am 02.11.2026 um 09:14 schrieb Kundenservice:", "> Vielen Dank für Ihren "
                   "Einkauf!", "> Ihre Sendung wurde heute an DHL übergeben.",
                   "> Summe inkl. MwSt: 39,90 EUR"],
            "fr": ["Le 2 nov. 2026 à 09:14, Service client a écrit :", "> Merci pour votre "
                   "achat !", "> Votre colis a été remis à Colissimo."],
            "en": ["On 2 Nov 2026, at 09:14, Customer Service wrote:", "> Thanks for your "
                   "purchase!", "> Your parcel has been handed to DPD.",
                   "> Total incl. VAT: 39.90 EUR (invoice attached)"],
        }
        return "\n".join(lines.get(lang, lines["en"]))

    def customer(self, lang: str, kind: str, oid: str | None, subject_kind: str = "post",
                 **kw: bool) -> CustomerMail:
        self.count += 1
        name, addr = self.rng.choice(T.CUSTOMERS[lang])
        self.current_name = name
        body = self.text(lang, kind, oid, **kw)
        subjects = T.SUBJECTS[subject_kind].get(lang) or T.SUBJECTS["post"][lang]
        subject = self.pick(subjects)
        if "{oid}" in subject:
            subject = subject.format(oid=oid) if oid else self.pick(
                [s for s in subjects if "{oid}" not in s])
        when = NOW - timedelta(hours=self.rng.randrange(2, 60), minutes=self.rng.randrange(60))
        domain = addr.rpartition("@")[2]
        message_id = f"<{self.rng.getrandbits(64):016x}.{self.count}@{domain}>"
        return CustomerMail(name, addr, subject, body, when, message_id, lang)

    current_name = "Kunde"


def via_amazon(mail: CustomerMail, oid: str | None, rng: random.Random) -> CustomerMail:
    """The same inquiry as Amazon's Buyer-Seller Messaging relays it."""
    wrap = {
        "de": ("Sie haben eine Nachricht von einem Amazon-Kunden erhalten.",
               "------------- Beginn der Nachricht -------------",
               "------------- Ende der Nachricht -------------", "Bestellnummer"),
        "fr": ("Vous avez reçu un message d'un client Amazon.",
               "------------- Début du message -------------",
               "------------- Fin du message -------------", "Numéro de commande"),
    }.get(mail.lang, ("You have received a message from an Amazon customer.",
                      "------------- Begin message -------------",
                      "------------- End message -------------", "Order ID"))
    intro, begin, end, label = wrap
    body = f"{intro}\n\n{begin}\n\n{mail.body}\n\n{end}\n"
    if oid:
        body += f"\n{label}: {oid}\n"
    body += ("\nAmazon.de prüft Nachrichten auf Sicherheitsrisiken.\n"
             if mail.lang == "de" else "\nCopyright 2026 Amazon, Inc. or its affiliates.\n")
    relay = f"{rng.getrandbits(40):010x}@marketplace.amazon.de"
    return CustomerMail(f"{mail.name.split()[0]} - Amazon Marketplace", relay, mail.subject,
                        body, mail.date, mail.message_id, mail.lang, via_amazon=True)


# --------------------------------------------------------------------------
# Forward styles: the seller's client writing the forward.

DAYS = {"de": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"],
        "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
        "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]}
ZH_DAYS = "一二三四五六日"


def fmt_date(style: str, when: datetime) -> str:
    local = when.astimezone(CET)
    en_month = MONTHS["en"][local.month - 1]
    if style == "outlook_de":
        return (f"{DAYS['de'][local.weekday()]}, {local.day}. {MONTHS['de'][local.month - 1]} "
                f"{local.year} {local:%H:%M}")
    if style == "outlook_fr":
        return (f"{DAYS['fr'][local.weekday()]} {local.day} {MONTHS['fr'][local.month - 1]} "
                f"{local.year} {local:%H:%M}")
    if style in ("outlook_en", "outlook_underscore"):
        return (f"{DAYS['en'][local.weekday()]}, {en_month} {local.day}, {local.year} "
                f"{local:%I:%M %p}")
    if style.startswith("gmail"):
        return f"{local:%a}, {local:%b} {local.day}, {local.year} at {local:%I:%M %p}"
    if style == "apple_de":
        return f"{local.day}. {MONTHS['de'][local.month - 1]} {local.year} um {local:%H:%M:%S} MEZ"
    if style == "apple_fr":
        return f"{local.day} {MONTHS['fr'][local.month - 1]} {local.year} à {local:%H:%M:%S} UTC+1"
    if style == "apple_en":
        return f"{local.day} {en_month} {local.year} at {local:%H:%M:%S} CET"
    if style in ("foxmail", "netease"):
        return (f"{local.year}年{local.month}月{local.day}日(星期{ZH_DAYS[local.weekday()]}) "
                f"{local:%H:%M}")
    return local.strftime("%a, %d %b %Y %H:%M:%S %z")


def inline_forward(style: str, note: str, mail: CustomerMail, to: str) -> str:
    """The text a client writes when forwarding `mail` inline."""
    who = f"{mail.name} <{mail.addr}>"
    when = fmt_date(style, mail.date)
    head: list[str]
    if style == "outlook_de":
        head = ["-----Ursprüngliche Nachricht-----", f"Von: {who}", f"Gesendet: {when}",
                f"An: {to}", f"Betreff: {mail.subject}"]
    elif style == "outlook_en":
        head = ["-----Original Message-----", f"From: {who}", f"Sent: {when}", f"To: {to}",
                f"Subject: {mail.subject}"]
    elif style == "outlook_fr":
        head = ["-----Message d'origine-----", f"De : {who}", f"Envoyé : {when}", f"À : {to}",
                f"Objet : {mail.subject}"]
    elif style == "outlook_underscore":
        head = ["_" * 32, f"From: {who}", f"Sent: {when}", f"To: {to}",
                f"Subject: {mail.subject}"]
    elif style == "gmail_de":
        head = ["---------- Weitergeleitete Nachricht ---------", f"Von: {who}",
                f"Date: {when}", f"Subject: {mail.subject}", f"To: <{to}>"]
    elif style == "gmail_fr":
        head = ["---------- Message transféré ---------", f"De : {who}", f"Date: {when}",
                f"Subject: {mail.subject}", f"To: <{to}>"]
    elif style == "gmail_en":
        head = ["---------- Forwarded message ---------", f"From: {who}", f"Date: {when}",
                f"Subject: {mail.subject}", f"To: <{to}>"]
    elif style == "apple_de":
        head = ["Anfang der weitergeleiteten Nachricht:", "", f"Von: {who}",
                f"Betreff: {mail.subject}", f"Datum: {when}", f"An: {to}"]
    elif style == "apple_fr":
        head = ["Début du message réexpédié :", "", f"De: {who}", f"Objet: {mail.subject}",
                f"Date: {when}", f"À: {to}"]
    elif style == "apple_en":
        head = ["Begin forwarded message:", "", f"From: {who}", f"Subject: {mail.subject}",
                f"Date: {when}", f"To: {to}"]
    elif style == "thunderbird_de":
        head = ["-------- Weitergeleitete Nachricht --------", f"Betreff: \t{mail.subject}",
                f"Datum: \t{when}", f"Von: \t{who}", f"An: \t{to}"]
    elif style == "thunderbird_fr":
        head = ["-------- Message transféré --------", f"Sujet : \t{mail.subject}",
                f"Date : \t{when}", f"De : \t{who}", f"Pour : \t{to}"]
    elif style == "thunderbird_en":
        head = ["-------- Forwarded Message --------", f"Subject: \t{mail.subject}",
                f"Date: \t{when}", f"From: \t{who}", f"To: \t{to}"]
    elif style == "foxmail":
        head = ["------------------ 原始邮件 ------------------",
                f"发件人: \"{mail.name}\"<{mail.addr}>;", f"发送时间: {when}",
                f"收件人: \"{to}\"<{to}>;", f"主题: {mail.subject}"]
    elif style == "netease":
        head = ["-------- 转发邮件信息 --------", f"发件人：\"{mail.name}\" <{mail.addr}>",
                f"发送日期：{when}", f"收件人：{to}", f"主题：{mail.subject}"]
    else:
        raise ValueError(style)
    parts = [note, "", "\n".join(head), "", mail.body] if note else \
        ["\n".join(head), "", mail.body]
    return "\n".join(parts)


PREFIX = {"outlook_de": "WG: ", "outlook_en": "FW: ", "outlook_fr": "TR : ",
          "outlook_underscore": "FW: ", "gmail_de": "Fwd: ", "gmail_fr": "Fwd: ",
          "gmail_en": "Fwd: ", "apple_de": "WG: ", "apple_fr": "Fwd: ", "apple_en": "Fwd: ",
          "thunderbird_de": "WG: ", "thunderbird_fr": "Fwd: ", "thunderbird_en": "Fwd: ",
          "foxmail": "转发：", "netease": "Fw:", "rfc822": "Fwd: ", "nested": "WG: "}
MAILERS = {
    "outlook": ("X-Mailer", "Microsoft Outlook 16.0"),
    "gmail": ("X-Gm-Message-State", "AOJu0YwQk3m2s9k0b1n8c7x6v5z4a3s2d1f0g9h8j7k6l5"),
    "apple": ("X-Mailer", "Apple Mail (2.3774.300.61.1.2)"),
    "thunderbird": ("User-Agent", "Mozilla Thunderbird"),
    "foxmail": ("X-Mailer", "Foxmail 7.2.25.228[cn]"),
    "netease": ("X-Mailer", "Coremail Webmail Server Version XT5.0.14 build 20230109"),
}


class Builder:
    """Whole messages: the seller's headers around a forward of one customer mail."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.serial = 0

    def received(self, seller_host: str, rcpt: str, when: datetime, hops: int = 2) -> list[
            tuple[str, str]]:
        ip = f"{self.rng.randrange(20, 220)}.{self.rng.randrange(256)}.{self.rng.randrange(256)}." \
             f"{self.rng.randrange(1, 255)}"
        stamp = when.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        out = [("Received", f"from {seller_host} ({seller_host} [{ip}])\r\n\tby "
                f"inbound-smtp.eu-west-1.amazonaws.com with ESMTPS id "
                f"{self.rng.getrandbits(48):012x}\r\n\tfor <{rcpt}>; {stamp}")]
        for _ in range(hops - 1):
            out.append(("Received", f"from localhost (localhost [127.0.0.1])\r\n\tby "
                        f"{seller_host} (Postfix) with ESMTP id {self.rng.getrandbits(40):010X}"
                        f";\r\n\t{stamp}"))
        return out

    def msgid(self, domain: str) -> str:
        self.serial += 1
        return f"<{self.rng.getrandbits(72):018x}.{self.serial}@{domain}>"

    def outer_headers(self, seller: SellerDef, sender: str, rcpt: str, subject: str,
                      when: datetime, client: str, charset: str) -> list[tuple[str, str]]:
        domain = sender.rpartition("@")[2]
        headers = self.received(seller.mta, rcpt, when)
        headers += [
            ("From", address(seller.name, sender, charset)),
            ("To", rcpt),
            ("Subject", encode_header(subject, charset)),
            ("Date", when.astimezone(CET).strftime("%a, %d %b %Y %H:%M:%S %z")),
            ("Message-ID", self.msgid(domain)),
        ]
        if client in MAILERS:
            headers.append(MAILERS[client])
        if client == "outlook":
            headers.append(("Thread-Topic", encode_header(subject, charset)))
            headers.append(("Content-Language", {"de": "de-DE", "fr": "fr-FR"}.get(
                seller.language, "en-US")))
        return headers

    def body_entity(self, text: str, charset: str, cte: str, html: str) -> bytes:
        """plain, html-only, or multipart/alternative."""
        if html == "only":
            return leaf(html_from_text(text), subtype="html", charset=charset, cte=cte)
        if html == "alt":
            return multipart("alternative", [
                leaf(text, charset=charset, cte=cte),
                leaf(html_from_text(text), subtype="html", charset=charset, cte=cte),
            ], f"----=_Part_{self.rng.getrandbits(32):08x}")
        return leaf(text, charset=charset, cte=cte)

    def customer_raw(self, mail: CustomerMail, to: str, charset: str = "utf-8") -> bytes:
        """The customer's own message, as it left the customer's mail program."""
        domain = mail.addr.rpartition("@")[2]
        headers = [
            ("Received", f"from [192.168.{self.rng.randrange(256)}.{self.rng.randrange(2, 250)}]"
             f" by smtp.{domain} with ESMTPSA;\r\n\t"
             f"{mail.date.astimezone(UTC):%a, %d %b %Y %H:%M:%S +0000}"),
            ("From", address(mail.name, mail.addr, charset)),
            ("To", to),
            ("Subject", encode_header(mail.subject, charset)),
            ("Date", mail.date.astimezone(CET).strftime("%a, %d %b %Y %H:%M:%S %z")),
            ("Message-ID", mail.message_id),
        ]
        return message(headers, leaf(mail.body, charset=charset,
                                     cte=self.rng.choice(["quoted-printable", "8bit"])))

    def forward(self, seller: SellerDef, style: str, note: str, mail: CustomerMail, *,
                rcpt: str, sender: str | None = None, charset: str = "utf-8",
                cte: str = "quoted-printable", html: str = "no",
                extra: list[tuple[str, str]] | None = None,
                photo: bool = False) -> bytes:
        """The seller's forward of `mail` in `style`."""
        sender = sender or seller.senders[0]
        when = min(NOW - timedelta(minutes=5), mail.date + timedelta(hours=self.rng.randrange(
            1, 20)))
        client = style.split("_")[0]
        subject = PREFIX.get(style, "") + mail.subject
        if style == "rfc822":
            inner = self.customer_raw(mail, sender, charset)
            parts = [leaf(note or ".", charset=charset, cte=cte),
                     attached_message(inner, filename=f"{mail.subject[:30]}.eml")]
            entity = multipart("mixed", parts, f"=_{self.rng.getrandbits(40):010x}")
            client = "thunderbird"
        elif style == "nested":
            colleague = f"m.weber@{sender.rpartition('@')[2]}"
            inner_style = self.rng.choice(["gmail_de", "thunderbird_de"])
            layer = inline_forward(inner_style, "Kannst du das bitte an Amazon weitergeben?",
                                   mail, colleague)
            middle = CustomerMail("Martin Weber", colleague, PREFIX[inner_style] + mail.subject,
                                  layer, mail.date + timedelta(hours=1), "", mail.lang)
            text = inline_forward("outlook_de", note, middle, sender)
            entity = self.body_entity(text, charset, cte, html)
            subject = "WG: " + middle.subject
            client = "outlook"
        elif style == "none":
            lead = {"de": "Kunde schreibt:", "fr": "Le client écrit :", "en": "Customer wrote:",
                    "zh": "客户来信："}[seller.language]
            pasted = f"{note}\n\n{lead}\n\n{mail.body}" if note else mail.body
            entity = self.body_entity(pasted, charset, cte, html)
            subject = mail.subject
        else:
            text = inline_forward(style, note, mail, sender)
            entity = self.body_entity(text, charset, cte, html)
        if photo:
            entity = multipart("mixed", [entity, binary(bytes(self.rng.getrandbits(8) for _ in
                                                              range(300)), "image/jpeg",
                                                        "IMG_2041.jpg")],
                               f"=_mixed_{self.rng.getrandbits(32):08x}")
        headers = self.outer_headers(seller, sender, rcpt, subject, when, client, charset)
        headers += extra or []
        return message(headers, entity)

    def auto_forward(self, seller: SellerDef, mail: CustomerMail, rcpt: str, how: str,
                     charset: str = "utf-8", sender: str | None = None) -> bytes:
        """A server rule passing the customer's mail on unchanged."""
        sender = sender or seller.senders[0]
        when = mail.date + timedelta(minutes=1)
        stamp = when.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        top: list[tuple[str, str]] = self.received(seller.mta, rcpt, when, hops=1)
        if how == "sieve":
            top += [("Resent-From", sender), ("Resent-To", rcpt), ("Resent-Date", stamp),
                    ("Resent-Message-ID", self.msgid(sender.rpartition("@")[2]))]
        elif how == "gmail":
            top += [("X-Forwarded-To", rcpt), ("X-Forwarded-For", f"{sender} {rcpt}"),
                    ("Delivered-To", sender)]
        else:  # delivered-to only: a plain .forward
            top += [("Delivered-To", sender)]
        return b"".join(f"{k}: {v}\r\n".encode() for k, v in top) + self.customer_raw(
            mail, sender, charset)


# --------------------------------------------------------------------------
# Cases.


@dataclass
class Case:
    file: str
    sender: str
    recipient: str
    category: str
    note: str
    raw: bytes
    language: str = ""


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.world = World(self.rng)
        self.writer = Writer(self.rng)
        self.build = Builder(self.rng)
        self.cases: list[Case] = []
        self.style_cycle: dict[str, int] = {}

    # -- helpers -----------------------------------------------------------
    def style_for(self, seller: SellerDef) -> str:
        n = self.style_cycle.get(seller.id, 0)
        self.style_cycle[seller.id] = n + 1
        return seller.styles[n % len(seller.styles)]

    def encoding(self, lang: str) -> tuple[str, str, str]:
        """(charset, transfer encoding, html) as the seller's client would choose."""
        if lang == "zh":
            charset = self.rng.choice(["gb18030", "gbk", "utf-8"])
            cte = "base64"
        elif lang == "pl":
            charset, cte = self.rng.choice([("iso-8859-2", "quoted-printable"),
                                            ("utf-8", "base64"), ("utf-8", "quoted-printable")])
        else:
            charset, cte = self.rng.choice([
                ("utf-8", "quoted-printable"), ("utf-8", "base64"),
                ("iso-8859-1", "quoted-printable"), ("windows-1252", "8bit"),
                ("utf-8", "8bit")])
        html = self.rng.choice(["no", "no", "no", "alt", "only"])
        return charset, cte, html

    def note(self, seller: SellerDef) -> str:
        return self.rng.choice(T.SELLER_NOTES[seller.language])

    def add(self, category: str, note: str, raw: bytes, sender: str, rcpt: str,
            language: str = "") -> None:
        n = len(self.cases) + 1
        slug = category.replace("_", "-")
        self.cases.append(Case(f"{n:03d}-{slug}.eml", sender, rcpt, category, note, raw,
                               language))

    def inquiry(self, category: str, seller: SellerDef, lang: str, kind: str, oid: str | None,
                note_text: str, *, style: str | None = None, sender: str | None = None,
                subject_kind: str = "post", seller_note: str | None = None,
                amazon: bool = False, extra: list[tuple[str, str]] | None = None,
                photo: bool = False, env_sender: str | None = None) -> None:
        """One forwarded customer inquiry with its label."""
        style = style or self.style_for(seller)
        rcpt = REGION_ADDRESS[seller.region]
        mail = self.writer.customer(lang, kind, oid, subject_kind)
        if amazon:
            mail = via_amazon(mail, oid, self.rng)
        charset, cte, html = self.encoding(lang if lang in ("zh", "pl") else seller.language
                                           if seller.language == "zh" else lang)
        note = self.note(seller) if seller_note is None else seller_note
        sender = sender or self.rng.choice(seller.senders)
        if style == "auto_forward":
            how = self.rng.choice(["sieve", "gmail", "delivered"])
            raw = self.build.auto_forward(seller, mail, rcpt, how, charset, sender)
            style = f"auto_forward/{how}"
        else:
            raw = self.build.forward(seller, style, note, mail, rcpt=rcpt, sender=sender,
                                     charset=charset, cte=cte, html=html, extra=extra,
                                     photo=photo)
        where = f"{style}, {charset}/{cte}" + (f", html={html}" if html != "no" else "")
        self.add(category, f"{note_text} [{seller.id}, {where}, customer {lang}]", raw,
                 env_sender if env_sender is not None else sender, rcpt, lang)

    # -- categories ----------------------------------------------------------
    def post_sale(self) -> None:
        langs = ["de", "fr", "en", "it", "es", "nl", "pl", "zh"]
        n = 0
        for seller in SELLERS:
            for i in range(8):
                lang = seller.language if i < 3 and seller.language != "zh" else langs[n % 8]
                if seller.language == "zh" and i == 0:
                    lang = "zh"
                n += 1
                order = self.world.take(seller.id, "enrolled")
                self.inquiry("post_sale_seller_fulfilled", seller, lang, "post", order.id,
                             f"seller-fulfilled order placed {order.purchase}, enrolled",
                             amazon=(i == 5), photo=(i == 6))
            pending = self.world.take(seller.id, "pending")
            self.inquiry("post_sale_seller_fulfilled", seller, self.rng.choice(langs), "post",
                         pending.id, f"order {pending.status}: not yet shipped is post-sale")
        for seller in SELLERS[:4]:
            order = self.world.take(seller.id, "mixed")
            self.inquiry("post_sale_seller_fulfilled", seller, seller.language
                         if seller.language != "zh" else "en", "post", order.id,
                         "order with a Merchant and an Amazon line: the seller-fulfilled "
                         "part is CSBA's")
        # The customer names no id; the seller's note does.
        for seller in (SELLERS[0], SELLERS[2], SELLERS[3], SELLERS[4]):
            order = self.world.take(seller.id, "enrolled")
            lang = "de" if seller.language == "zh" else seller.language
            self.inquiry("post_sale_seller_fulfilled", seller, lang, "post_noid", None,
                         "no id in the customer's text; the seller's note names the order",
                         seller_note=T.SELLER_NOTE_WITH_ID[seller.language].format(
                             oid=order.id))
        # A foreign id first, then the seller's own: the seller's decides.
        seller, other = SELLERS[0], SELLERS[3]
        foreign = self.world.take(other.id, "enrolled")
        order = self.world.take(seller.id, "enrolled")
        self.inquiry("post_sale_seller_fulfilled", seller, "de", "post",
                     f"{foreign.id} (oder {order.id}?)",
                     "two ids, the first of another seller: the seller's own decides")
        # Boundary purchases in local time.
        b = self.world.take("A2BRIGHTLIGHT", "boundary_in")
        self.inquiry("post_sale_seller_fulfilled", BY_ID["A2BRIGHTLIGHT"], "de", "post", b.id,
                     "purchased 2026-08-15 01:30+02:00 = 08-14 23:30 UTC, before the opt-out")
        # Auto-Submitted: no is a person's mail.
        seller = SELLERS[0]
        order = self.world.take(seller.id, "enrolled")
        self.inquiry("post_sale_seller_fulfilled", seller, "de", "post", order.id,
                     "Auto-Submitted: no is not automatic", extra=[("Auto-Submitted", "no")])
        # An Exchange forwarding rule marks its own forward: not the customer's auto-reply.
        seller = SELLERS[3]
        order = self.world.take(seller.id, "enrolled")
        self.inquiry("post_sale_seller_fulfilled", seller, "en", "post", order.id,
                     "Exchange inbox rule forward (forwarding marks only, ignored on a "
                     "recognised forward)", style="rfc822", extra=[
                         ("X-MS-Exchange-Generated-Message-Source", "Mailbox Rules Agent"),
                         ("Auto-Submitted", "auto-forwarded"),
                         ("X-MS-Exchange-Organization-AutoForwarded", "true")])
        # Outside the contact window: a new contact, not a follow-up.
        c102 = self.contact_order["A3LUMIERE"]
        self.inquiry("post_sale_seller_fulfilled", BY_ID["A3LUMIERE"], "fr", "follow",
                     c102.id, "same order as contact 102, last active 30h ago: outside the "
                     "24h contact_window")

    def amazon_fulfilled(self) -> None:
        langs = ["de", "en", "fr", "it", "es", "nl", "pl"]
        for n in range(16):
            seller = SELLERS[n % len(SELLERS)]
            order = self.world.take(seller.id, "afn")
            lang = seller.language if n < 6 and seller.language != "zh" else langs[n % 7]
            self.inquiry("amazon_fulfilled", seller, lang, "post", order.id,
                         "order fulfilled by Amazon (AFN)", amazon=(n == 4))

    def not_covered(self) -> None:
        langs = ["de", "fr", "en", "it", "pl", "es", "nl"]
        n = 0
        for seller in SELLERS:
            for _ in range(2):
                order = self.world.take(seller.id, "before")
                self.inquiry("not_covered", seller, langs[n % 7], "post", order.id,
                             f"placed {order.purchase}, before the first enrollment")
                n += 1
            if seller.gap:
                for _ in range(3):
                    order = self.world.take(seller.id, "gap")
                    self.inquiry("not_covered", seller, langs[n % 7], "post", order.id,
                                 f"placed {order.purchase}, in the opt-out gap (re-enrolled "
                                 "since: still not covered)")
                    n += 1
        o = self.world.take("A4GADGETWORKS", "boundary_out")
        self.inquiry("not_covered", BY_ID["A4GADGETWORKS"], "en", "post", o.id,
                     "placed 2026-07-01 00:30 UTC, the opt-out day itself")
        o = self.world.take("A1MUSTERHANDEL", "boundary_out")
        self.inquiry("not_covered", BY_ID["A1MUSTERHANDEL"], "de", "post", o.id,
                     "placed 2026-06-01 01:00+02:00 = 05-31 23:00 UTC, before enrollment")

    def order_unknown(self) -> None:
        langs = ["de", "en", "fr", "it", "es", "nl", "pl", "zh"]
        for n, seller in enumerate(SELLERS):
            lang = langs[n % 8] if n % 2 else (seller.language if seller.language != "zh"
                                               else "zh")
            self.inquiry("order_unknown", seller, lang, "post_noid", None,
                         "post-sale, no order id anywhere")
            self.inquiry("order_unknown", seller, langs[(n + 3) % 8], "post",
                         self.world.new_id(), "order id not in any order report")
            other = SELLERS[(n + 1) % len(SELLERS)]
            foreign = self.world.take(other.id, "enrolled")
            self.inquiry("order_unknown", seller, langs[(n + 5) % 8], "post", foreign.id,
                         f"order id of another seller ({other.id}) only")

    def pre_sale(self) -> None:
        langs = ["de", "fr", "en", "zh", "it", "es", "nl", "pl"]
        n = 0
        for lang in langs:
            for _ in range(len(T.PRE_SALE[lang])):
                seller = SELLERS[n % len(SELLERS)]
                n += 1
                self.inquiry("pre_sale", seller, lang, "pre", None,
                             "question before buying, no order", subject_kind="pre")
        for lang in langs:
            seller = SELLERS[n % len(SELLERS)]
            n += 1
            order = self.world.take(seller.id, "preorder")
            self.inquiry("pre_sale", seller, lang, "preorder", order.id,
                         "pre-order of an unreleased item (with an order id)")

    def rules(self) -> None:
        langs = ["de", "fr", "en", "zh", "it", "es", "nl", "pl"]
        for n, lang in enumerate(langs + ["de", "en", "fr"]):
            seller = SELLERS[n % len(SELLERS)]
            order = self.world.take(seller.id, "enrolled")
            self.inquiry("invoice", seller, lang, "invoice", order.id,
                         "invoice request (rule invoice-requests; help page excludes "
                         "invoices)", subject_kind="invoice")
        for n, lang in enumerate(langs + ["en"]):
            seller = SELLERS[(n + 2) % len(SELLERS)]
            order = self.world.take(seller.id, "enrolled")
            self.inquiry("customization", seller, lang, "custom", order.id,
                         "product customization (rule customization)")

    def seller_questions(self) -> None:
        n = 0
        for seller in SELLERS:
            for subject, body in T.SELLER_QUESTIONS[seller.language]:
                if n >= 14:
                    break
                order = self.world.take(seller.id, "enrolled")
                text = body.format(oid=order.id)
                sender = self.rng.choice(seller.senders)
                rcpt = REGION_ADDRESS[seller.region]
                charset, cte, html = self.encoding(seller.language)
                entity = self.build.body_entity(text, charset, cte, html)
                headers = self.build.outer_headers(seller, sender, rcpt, subject, NOW -
                                                   timedelta(hours=n + 1), "outlook", charset)
                self.add("seller_question", f"the seller writes about its own account: "
                         f"{subject} [{seller.id}, {charset}/{cte}]", message(headers, entity),
                         sender, rcpt, seller.language)
                n += 1
        # Amazon's own notice about the account, forwarded by the seller.
        seller = SELLERS[0]
        notice = CustomerMail(
            "Amazon Seller Central", "seller-notification@amazon.de",
            "Ihr SAFE-T-Antrag wurde geprüft",
            "Guten Tag,\n\nwir haben Ihren SAFE-T-Antrag geprüft. Leider erfüllt er nicht die "
            "Voraussetzungen für eine Erstattung.\n\nMit freundlichen Grüßen\nAmazon Seller "
            "Central", NOW - timedelta(days=1), "<notice-1@amazon.de>", "de")
        raw = self.build.forward(seller, "gmail_de", "Warum wurde das abgelehnt? Bitte um "
                                 "Erklärung.", notice, rcpt=REGION_ADDRESS[seller.region])
        self.add("seller_question", "a forward of Amazon's own SAFE-T notice: no customer "
                 "inside [A1MUSTERHANDEL, gmail_de]", raw, seller.senders[0],
                 REGION_ADDRESS[seller.region], "de")

    def follow_ups(self) -> None:
        self.contact_order: dict[str, Order] = {}
        ages = {"A1MUSTERHANDEL": 3, "A2BRIGHTLIGHT": 10, "A3LUMIERE": 30, "A4GADGETWORKS": 120,
                "A5SHENGDA": 2, "A6HZHOME": 20}
        forwards: dict[str, str] = {}
        for cid, seller in enumerate(SELLERS, start=101):
            order = self.world.take(seller.id, "enrolled")
            self.contact_order[seller.id] = order
            forwards[seller.id] = self.world.contact(cid, seller.id, order,
                                                     timedelta(hours=ages[seller.id]))
        older = self.world.take("A1MUSTERHANDEL", "enrolled")
        old_forward = self.world.contact(107, "A1MUSTERHANDEL", older, timedelta(days=3))
        langs = ["de", "fr", "en", "zh", "it", "es", "nl", "pl"]
        # Same seller and order inside the window (24h).
        for n, sid in enumerate(("A1MUSTERHANDEL", "A2BRIGHTLIGHT", "A5SHENGDA", "A6HZHOME")):
            for k in range(2):
                lang = langs[(2 * n + k) % 8]
                self.inquiry("follow_up", BY_ID[sid], lang, "follow" if k == 0 else "post",
                             self.contact_order[sid].id,
                             f"same order as a contact active {ages[sid]}h ago (window 24h)")
        # Replies to the router's forwards: no window.
        for sid, forward_id, lang in (("A4GADGETWORKS", forwards["A4GADGETWORKS"], "en"),
                                      ("A1MUSTERHANDEL", old_forward, "de"),
                                      ("A3LUMIERE", forwards["A3LUMIERE"], "fr")):
            seller = BY_ID[sid]
            order = self.world.take(sid, "enrolled")
            self.inquiry("follow_up", seller, lang, "follow", order.id,
                         "In-Reply-To the router's forward of the contact",
                         extra=[("In-Reply-To", forward_id),
                                ("References", f"<prev.{self.rng.getrandbits(32)}@example.org> "
                                               f"{forward_id}")])
        seller = BY_ID["A4GADGETWORKS"]
        self.inquiry("follow_up", seller, "en", "post_noid", None,
                     "References (only) the router's forward; no id in the text",
                     extra=[("References", forwards["A4GADGETWORKS"])])
        # A follow-up asking for an invoice: still a follow-up (row 3 before rules).
        sid = "A1MUSTERHANDEL"
        self.inquiry("follow_up", BY_ID[sid], "de", "invoice", self.contact_order[sid].id,
                     "invoice words, but the same order as a contact 3h ago: follow_up "
                     "comes before the rules", subject_kind="invoice")
        # Referencing ANOTHER seller's forward does not make a follow-up.
        seller = BY_ID["A6HZHOME"]
        order = self.world.take(seller.id, "enrolled")
        self.inquiry("post_sale_seller_fulfilled", seller, "en", "post", order.id,
                     "References a forward of another seller's contact: not this seller's "
                     "follow-up", extra=[("References", forwards["A4GADGETWORKS"])])
        # Contact 107's order, 3 days later, without a reference: a new contact.
        self.inquiry("post_sale_seller_fulfilled", BY_ID["A1MUSTERHANDEL"], "de", "post",
                     older.id, "order of contact 107 (3 days ago), no reference: new contact")

    def unknown_senders(self) -> None:
        spoofs = [
            ("A2BRIGHTLIGHT", "lily.chen@shop.brightlight-sz.cn.evil.com",
             "lookalike: registered domain as a subdomain of evil.com"),
            ("A2BRIGHTLIGHT", "service@brightlight-sz.cn-mail.com", "lookalike: cn-mail.com"),
            ("A2BRIGHTLIGHT", "lily.chen@mail.brightlight-sz.cn",
             "subdomain of a *@domain entry: not listed, so not the seller"),
            ("A1MUSTERHANDEL", "service@musterhandel-de.com", "lookalike domain"),
            ("A1MUSTERHANDEL", "service@musterhande1.de", "lookalike: digit 1 for l"),
            ("A1MUSTERHANDEL", "service@musterhandel.de.secure-mail.net",
             "registered domain under another domain"),
            ("A3LUMIERE", "contact@maison-lumiere.fr.co", "lookalike suffix"),
            ("A3LUMIERE", "sav@lumiere-boutique.fr.evil.com", "lookalike of a *@domain entry"),
            ("A4GADGETWORKS", "support@gadgetworks.co", "lookalike: .co for .co.uk"),
            ("A4GADGETWORKS", "support@gadget-works.co.uk", "lookalike: hyphen"),
            ("A5SHENGDA", "shengda-trade@163.com", "another 163.com mailbox: exact entries only"),
            ("A5SHENGDA", "kefu@shengda-trade.cn.com", "lookalike suffix"),
            ("A6HZHOME", "amy@hz-homeware.com.cn", "lookalike of *@hz-homeware.com"),
            ("A6HZHOME", "hzhomeware@126.com.ru", "lookalike of an exact entry"),
        ]
        langs = ["de", "en", "fr", "it", "es", "nl", "pl", "zh"]
        for n, (sid, sender, why) in enumerate(spoofs):
            seller = BY_ID[sid]
            order = self.world.take(sid, "enrolled")
            self.inquiry("unknown_sender", seller, langs[n % 8], "post", order.id,
                         f"{why} ({sender})", sender=sender)
        # Display-name spoofing: the seller's address only in the display name.
        for sid, real in (("A1MUSTERHANDEL", "musterhandel.service@gmail.com"),
                          ("A4GADGETWORKS", "gadgetworks.support@outlook.com")):
            seller = BY_ID[sid]
            order = self.world.take(sid, "enrolled")
            mail = self.writer.customer(seller.language, "post", order.id)
            raw = self.build.forward(seller, seller.styles[0], self.note(seller), mail,
                                     rcpt=REGION_ADDRESS[seller.region], sender=real)
            shown = seller.senders[0]
            raw = raw.replace(address(seller.name, real).encode(),
                              f"\"{shown}\" <{real}>".encode(), 1)
            self.add("unknown_sender", f"display-name spoofing: \"{shown}\" <{real}> [{sid}]",
                     raw, real, REGION_ADDRESS[seller.region], seller.language)
        # A customer writing to the csba address directly.
        for lang in ("de", "it", "en"):
            mail = self.writer.customer(lang, "post", self.world.take("A1MUSTERHANDEL",
                                                                      "enrolled").id)
            raw = self.build.customer_raw(mail, "csba-de2de@amazon.de")
            self.add("unknown_sender", "a customer writing to the csba address directly",
                     raw, mail.addr, "csba-de2de@amazon.de", lang)
        # An Amazon seller that is not registered with the router.
        stranger = SellerDef("XSTRANGER", "Fremdhandel UG", "de2de", "de",
                             ["info@fremdhandel.de"], ["info@fremdhandel.de"], [], ["gmail_de"],
                             "mx.fremdhandel.de", "")
        mail = self.writer.customer("de", "post", self.world.new_id())
        raw = self.build.forward(stranger, "gmail_de", "Bitte bearbeiten", mail,
                                 rcpt="csba-de2de@amazon.de")
        self.add("unknown_sender", "a seller not in the config", raw, "info@fremdhandel.de",
                 "csba-de2de@amazon.de", "de")

    # -- automatic mail -----------------------------------------------------------
    def automatic(self) -> None:
        a1, a2, a4, a5 = (BY_ID[i] for i in ("A1MUSTERHANDEL", "A2BRIGHTLIGHT",
                                              "A4GADGETWORKS", "A5SHENGDA"))

        def plain(seller: SellerDef, subject: str, text: str, extra: list[tuple[str, str]],
                  why: str, *, sender: str | None = None, env: str | None = None,
                  from_header: str | None = None, lang: str = "", msgid: str | None = None
                  ) -> None:
            sender = sender or seller.senders[0]
            rcpt = REGION_ADDRESS[seller.region]
            headers = self.build.outer_headers(seller, sender, rcpt, subject,
                                               NOW - timedelta(hours=1), "none", "utf-8")
            if from_header is not None:
                headers = [(k, from_header if k == "From" else v) for k, v in headers]
            if msgid is not None:
                headers = [(k, msgid if k == "Message-ID" else v) for k, v in headers]
            raw = message(headers + extra, leaf(text, cte=self.rng.choice(
                ["quoted-printable", "8bit"])))
            self.add("auto_generated", why, raw, sender if env is None else env, rcpt, lang)

        ooo_de = ("Vielen Dank für Ihre Nachricht. Ich bin bis einschließlich 16.11. nicht im "
                  "Büro und habe keinen Zugriff auf meine E-Mails. In dringenden Fällen wenden "
                  "Sie sich bitte an service@musterhandel.de.")
        ooo_en = ("Thank you for your email. I am out of the office until Monday 16 November "
                  "with limited access to email. For urgent matters please contact "
                  "support@gadgetworks.co.uk.")
        plain(a1, "Re: Ihre Anfrage", ooo_de, [("Auto-Submitted", "auto-replied")],
              "Auto-Submitted: auto-replied, neutral subject")
        plain(a4, "New order notification #88412",
              "A new order has been received in your shop. Order total: 59.90 EUR.",
              [("Auto-Submitted", "auto-generated")],
              "Auto-Submitted: auto-generated on a shop notification (not a forward)")
        plain(a4, "RE: Case 4471", ooo_en, [("X-Auto-Response-Suppress", "All")],
              "X-Auto-Response-Suppress: All")
        plain(a1, "Re: Bestellung", ooo_de, [("X-Autoreply", "yes")], "X-Autoreply: yes")
        plain(a2, "Re: 您的邮件", "您好，您的邮件已收到，我们会尽快回复。", [("X-Autorespond",
              "Re: your message")], "X-Autorespond", sender="service@brightlight-sz.cn")
        plain(a1, "Musterhandel Newsletter November", "Die Angebote der Woche: -20% auf "
              "alle Lampen!", [("Precedence", "bulk")], "Precedence: bulk")
        plain(a4, "Weekly stock report", "Stock levels attached.", [("Precedence", "junk")],
              "Precedence: junk")
        plain(a1, "[haendler-forum] Erfahrungen mit CSBA?", "Hat jemand Erfahrungen mit dem "
              "Kundenservice durch Amazon?", [("Precedence", "list")], "Precedence: list")
        plain(a4, "[sellers-uk] Digest, Vol 12, Issue 4", "Today's topics: 1. Returns",
              [("List-Id", "UK sellers <sellers-uk.lists.example.org>")], "List-Id")
        plain(a2, "Black Friday deals for your store", "Boost your sales with our ads "
              "service.", [("List-Unsubscribe", "<mailto:unsub@news.example.com>, "
                            "<https://news.example.com/u/8f2>")],
              "List-Unsubscribe only", sender="lily.chen@brightlight-sz.cn")
        plain(a4, "Undeliverable rule notification", "The rule could not forward the "
              "message.", [("X-MS-Exchange-Generated-Message-Source", "Mailbox Rules Agent")],
              "X-MS-Exchange-Generated-Message-Source on a non-forward")
        plain(a1, "Ticket #20931 updated", "Ihr Ticket wurde aktualisiert.",
              [("X-Loop", "helpdesk@musterhandel.de")], "X-Loop (ticket system)")
        # Out-of-office subjects only, in the eight languages.
        for seller, subject, text, lang in (
                (a1, "Abwesenheitsnotiz: Ihre Nachricht", ooo_de, "de"),
                (BY_ID["A3LUMIERE"], "Réponse automatique : Commande", "Je suis absente "
                 "jusqu'au 16 novembre.", "fr"),
                (a4, "Out of Office: Your case", ooo_en, "en"),
                (a4, "Automatic reply: Order question", ooo_en, "en"),
                (a5, "自动回复：您的来信", "您好，我正在休假，11月16日回来。", "zh"),
                (a1, "Risposta automatica: Ordine", "Sono fuori ufficio fino al 16/11.", "it"),
                (a1, "Respuesta automática: Pedido", "Estoy fuera de la oficina.", "es"),
                (a1, "Automatisch antwoord: Bestelling", "Ik ben afwezig tot 16 november.",
                 "nl"),
                (a1, "Odpowiedź automatyczna: Zamówienie", "Jestem poza biurem do 16.11.",
                 "pl")):
            plain(seller, subject, text, [], f"out-of-office subject ({lang})",
                  sender=self.rng.choice(seller.senders))
        # Delivery status notifications.
        for seller, env in ((a1, ""), (a4, ""), (a2, "postmaster@brightlight-sz.cn")):
            self.dsn(seller, env)
        plain(a1, "Lesebestätigung", "Ihre Nachricht wurde gelesen.", [],
              "null sender <> on an ordinary-looking message", env="")
        plain(a4, "Message status", "Your message could not be delivered to one recipient.",
              [], "MAILER-DAEMON sender", sender="MAILER-DAEMON@gadgetworks.co.uk",
              from_header="Mail Delivery System <MAILER-DAEMON@gadgetworks.co.uk>")
        plain(a2, "Delivery problem", "Your message to x@example.com was not delivered.",
              [], "postmaster sender (matches *@brightlight-sz.cn, still automatic)",
              sender="postmaster@brightlight-sz.cn",
              from_header="postmaster@brightlight-sz.cn")
        self.arf()
        loop = [("Received", f"from relay{i}.example.net by relay{i + 1}.example.net; "
                 "Tue, 10 Nov 2026 10:00:00 +0000") for i in range(55)]
        plain(a1, "WG: Frage", "Bitte bearbeiten.", loop, "mail loop: 55 Received headers")
        plain(a1, "WG: Ihre Weiterleitung", "Weitergeleitet.",
              [("X-CSBA-Message-Id", "<fwd-77@musterhandel.de>"), ("X-CSBA-Category",
                                                                   "post_sale_seller_fulfilled")],
              "the router's own forward coming back (X-CSBA-* headers)")
        plain(a4, "Re: Notice", "Your inquiry is out of scope for CSBA.", [],
              "the router's own notice coming back (Message-ID in the router's domain)",
              msgid=f"<notice.8812@{HOSTNAME}>")
        # A customer's auto-reply, forwarded by the seller.
        mail = CustomerMail("Jonas Becker", "j.becker@gmx.de",
                            "Automatische Antwort: Ihre Bestellung wurde versandt",
                            "Ich bin bis 20.11. im Urlaub und lese keine E-Mails.",
                            NOW - timedelta(hours=5), "<oof-1@gmx.de>", "de")
        raw = self.build.forward(a1, "outlook_de", "Was ist das? Bitte prüfen.", mail,
                                 rcpt="csba-de2de@amazon.de")
        self.add("auto_generated", "a customer's auto-reply forwarded by hand (forwarded "
                 "subject)", raw, a1.senders[0], "csba-de2de@amazon.de")
        # A bounce attached to a forward.
        self.dsn(a4, "support@gadgetworks.co.uk", attached=True)
        # A server auto-forward of a bounce.
        self.dsn(a1, "service@musterhandel.de", resent=True)

    def dsn(self, seller: SellerDef, env: str, attached: bool = False,
            resent: bool = False) -> None:
        rcpt = REGION_ADDRESS[seller.region]
        host = seller.mta
        report = multipart("report; report-type=delivery-status", [
            leaf("This is the mail system at host " + host + ".\n\nI'm sorry to have to "
                 "inform you that your message could not\nbe delivered to one or more "
                 "recipients.\n\n<kunde@example-shop.de>: host mx.example-shop.de said: 550 "
                 "5.1.1 User unknown", cte="7bit"),
            (b"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; "
             + host.encode() + b"\r\n\r\nFinal-Recipient: rfc822; kunde@example-shop.de\r\n"
             b"Action: failed\r\nStatus: 5.1.1\r\n"),
            (b"Content-Type: text/rfc822-headers\r\n\r\nFrom: " + seller.senders[0].encode()
             + b"\r\nTo: kunde@example-shop.de\r\nSubject: Ihre Bestellung\r\n"),
        ], f"{self.rng.getrandbits(40):010X}.{host}")
        headers = self.build.received(host, rcpt, NOW - timedelta(hours=2), hops=1) + [
            ("From", f"Mail Delivery System <MAILER-DAEMON@{host}>"),
            ("To", seller.senders[0] if (attached or resent) else rcpt),
            ("Subject", "Undelivered Mail Returned to Sender"),
            ("Date", (NOW - timedelta(hours=2)).strftime("%a, %d %b %Y %H:%M:%S +0000")),
            ("Message-ID", self.build.msgid(host)),
            ("Auto-Submitted", "auto-replied"),
        ]
        raw = message(headers, report)
        why = "delivery status notification (multipart/report)"
        if attached:
            entity = multipart("mixed", [leaf("Please check, what does this mean?"),
                                         attached_message(raw, "bounce.eml")], "=_att_dsn")
            outer = self.build.outer_headers(seller, seller.senders[0], rcpt,
                                             "Fwd: Undelivered Mail Returned to Sender",
                                             NOW - timedelta(hours=1), "thunderbird", "utf-8")
            raw = message(outer, entity)
            why = "a bounce forwarded as an attached message"
        if resent:
            raw = (f"Resent-From: {seller.senders[0]}\r\nResent-To: {rcpt}\r\n".encode() + raw)
            why = "a bounce passed on by the seller's server rule (Resent-From)"
        self.add("auto_generated", why, raw, env, rcpt)

    def arf(self) -> None:
        rcpt = "csba-de2de@amazon.de"
        report = multipart("report; report-type=feedback-report", [
            leaf("This is an email abuse report for an email message received from IP "
                 "203.0.113.9.", cte="7bit"),
            (b"Content-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n"
             b"User-Agent: SomeGenerator/1.0\r\nVersion: 1\r\n"),
            (b"Content-Type: text/rfc822-headers\r\n\r\nFrom: csba-noreply@amazon.de\r\n"
             b"Subject: Notice\r\n"),
        ], "feedback_boundary_1")
        headers = [("From", "Abuse Desk <abuse@mail.example-isp.net>"), ("To", rcpt),
                   ("Subject", "FW: Complaint about a message from your network"),
                   ("Date", "Tue, 10 Nov 2026 08:00:00 +0000"),
                   ("Message-ID", "<arf-1@mail.example-isp.net>")]
        self.add("auto_generated", "feedback report (ARF, multipart/report feedback-report) "
                 "from an unknown sender: automatic comes first",
                 message(headers, report), "abuse@mail.example-isp.net", rcpt)

    def handwritten(self) -> None:
        kinds = {"post_sale_seller_fulfilled": "enrolled", "invoice": "enrolled",
                 "customization": "enrolled", "pre_sale": "preorder", "order_unknown": ""}
        for n, (category, lang, subject, text) in enumerate(T.HANDWRITTEN):
            seller = SELLERS[n % len(SELLERS)]
            oid = None
            if "{oid}" in text or "{oid}" in subject:
                oid = self.world.take(seller.id, kinds[category] or "enrolled").id
            self.writer.count += 1
            name, addr = self.rng.choice(T.CUSTOMERS[lang])
            mail = CustomerMail(name, addr, subject.format(oid=oid or ""),
                                text.format(oid=oid or ""), NOW - timedelta(
                                    hours=self.rng.randrange(3, 40)),
                                f"<hw{n}.{self.rng.getrandbits(40):x}@{addr.partition('@')[2]}>",
                                lang)
            style = self.style_for(seller)
            if style == "auto_forward":
                style = "rfc822"
            rcpt = REGION_ADDRESS[seller.region]
            charset, cte, html = self.encoding(lang)
            sender = self.rng.choice(seller.senders)
            raw = self.build.forward(seller, style, self.note(seller), mail, rcpt=rcpt,
                                     sender=sender, charset=charset, cte=cte, html=html)
            self.add(category, f"hand-written: {text[:50]!r} [{seller.id}, {style}, "
                     f"{charset}/{cte}, customer {lang}]", raw, sender, rcpt, lang)

    def run(self) -> list[Case]:
        self.follow_ups()
        self.automatic()
        self.unknown_senders()
        self.seller_questions()
        self.rules()
        self.pre_sale()
        self.amazon_fulfilled()
        self.not_covered()
        self.post_sale()
        self.order_unknown()
        self.handwritten()
        return self.cases


# --------------------------------------------------------------------------
# Writing.


def config_yaml() -> str:
    lines = [
        "# The world of the labelled set (generated by tools/make_labelled_set.py).",
        "instance:", f"  hostname: {HOSTNAME}", "regions:",
        "  de2de:", "    address: csba-de2de@amazon.de", "    marketplace: amazon.de",
        "    language: de", "    forward_to: csba-team-de@example.internal",
        "  cn2de:", "    address: csba-cn2de@amazon.de", "    marketplace: amazon.de",
        "    language: zh", "    forward_to: csba-team-cn@example.internal", "sellers:",
    ]
    for s in SELLERS:
        addresses = ", ".join(f'"{a}"' for a in s.addresses)
        lines += [f"  - id: {s.id}", f"    name: \"{s.name}\"", f"    region: {s.region}",
                  f"    addresses: [{addresses}]", f"    language: {s.language}",
                  "    enrollment:"]
        for start, end in s.enrollment:
            lines.append(f"      - {{start: {start}" + (f", end: {end}}}" if end else "}"))
    lines += [
        "classification:", "  rules:",
        "    - name: invoice-requests", "      category: invoice", "      any_keywords:",
        "        de: [Rechnung, Rechnungskopie, Umsatzsteuer, MwSt]",
        "        fr: [facture, facturation, TVA]", "        en: [invoice, VAT receipt]",
        "        zh: [发票]",
        "    - name: customization", "      category: customization", "      any_keywords:",
        "        de: [Gravur, Personalisierung, personalisiert]",
        "        fr: [gravure, personnalisation, personnalisé]",
        "        en: [engraving, personalization, personalised, customization]",
        "        zh: [定制, 刻字]",
        "  unknown_order: hold",
        "billing:", "  contact_window: 24h",
    ]
    return "\n".join(lines) + "\n"


REPORT_COLUMNS = ["amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date",
                  "order-status", "fulfillment-channel", "sales-channel", "order-channel",
                  "ship-service-level", "product-name", "sku", "asin", "item-status",
                  "quantity", "currency", "item-price"]


def orders_tsv(orders: list[Order], rng: random.Random) -> str:
    rows = ["\t".join(REPORT_COLUMNS)]
    for order in orders:
        for n, (sku, channel, item_status, qty) in enumerate(order.lines):
            rows.append("\t".join([
                order.id, f"M-{rng.randrange(10**5, 10**6)}", order.purchase, order.purchase,
                order.status, channel, "Amazon.de", "", "Standard",
                f"Artikel {sku}", sku, f"B0{rng.randrange(10**7, 10**8)}", item_status,
                str(qty), "EUR", f"{rng.randrange(5, 90)}.{rng.randrange(100):02d}",
            ]))
            del n
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=20261110)
    args = parser.parse_args(argv)
    gen = Generator(args.seed)
    cases = gen.run()
    out: Path = args.out
    if out.exists():
        for path in out.glob("*.eml"):
            path.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.yaml").write_text(config_yaml(), encoding="utf-8")
    for seller in SELLERS:
        (out / f"orders-{seller.id}.tsv").write_text(
            orders_tsv(gen.world.orders[seller.id], gen.rng), encoding="utf-8")
    world = {"now": NOW.isoformat(), "contacts": gen.world.contacts}
    (out / "world.json").write_text(json.dumps(world, indent=2) + "\n", encoding="utf-8")
    with (out / "labels.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "sender", "recipient", "category", "action", "language",
                         "note"])
        for case in cases:
            (out / case.file).write_bytes(case.raw)
            writer.writerow([case.file, case.sender, case.recipient, case.category,
                             DEFAULT_ACTIONS[case.category], case.language, case.note])
    counts: dict[str, int] = {}
    for case in cases:
        counts[case.category] = counts.get(case.category, 0) + 1
    print(f"{len(cases)} messages in {out}")
    for category, count in sorted(counts.items()):
        print(f"  {category:28} {count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
