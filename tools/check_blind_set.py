"""Self-consistency checks of the blind set (does not run the classifier).

.venv/bin/python tests/decide/blind/check_blind_set.py
"""
from __future__ import annotations

import collections
import csv
import datetime as dt
import email
import email.policy
import os
import re
import sys

import yaml

HERE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "decide", "blind")
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
OID = re.compile(r"(?<!\d)\d{3}-\d{7}-\d{7}(?!\d)")
LOOSE = re.compile(r"\d{3}-\d{6,8}-\d{6,8}")
problems: list[str] = []

cfg = yaml.safe_load(open(os.path.join(HERE, "config.yaml"), encoding="utf-8"))
sellers = {s["id"]: s for s in cfg["sellers"]}

# orders ---------------------------------------------------------------
orders: dict[str, tuple[str, dt.datetime, str, str]] = {}
for sid in sellers:
    with open(os.path.join(HERE, f"orders-{sid}.tsv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for r in rows:
        oid = r["amazon-order-id"]
        if not OID.fullmatch(oid):
            problems.append(f"bad order id {oid}")
        p = dt.datetime.fromisoformat(r["purchase-date"])
        if p.tzinfo is None or p > NOW:
            problems.append(f"{oid}: purchase-date {p} not aware or in the future")
        if dt.datetime.fromisoformat(r["last-updated-date"]) > NOW:
            problems.append(f"{oid}: last-updated in the future")
        prev = orders.get(oid)
        if prev and prev[0] != sid:
            problems.append(f"{oid} in two sellers' reports")
        orders[oid] = (sid, p, r["fulfillment-channel"], r["order-status"])


def enrolled(sid: str, t: dt.datetime) -> bool:
    for per in sellers[sid]["enrollment"]:
        start = dt.datetime.combine(per["start"], dt.time(), dt.UTC)
        end = per.get("end")
        end = dt.datetime.combine(end, dt.time(), dt.UTC) if end else None
        if start <= t and (end is None or t < end):
            return True
    return False


def seller_of(addr: str) -> str | None:
    addr = addr.lower()
    for sid, s in sellers.items():
        for a in s["addresses"]:
            a = a.lower()
            if a.startswith("*@"):
                if addr.rsplit("@", 1)[-1] == a[2:]:
                    return sid
            elif addr == a:
                return sid
    return None


def texts(msg: email.message.Message) -> list[str]:
    out = []
    for part in msg.walk():
        ct = part.get_content_type()
        if ct.startswith("text/"):
            out.append(part.get_content())
    return out


# labels ---------------------------------------------------------------
with open(os.path.join(HERE, "labels.csv"), encoding="utf-8") as f:
    labels = list(csv.DictReader(f))
files = sorted(x for x in os.listdir(HERE) if x.endswith(".eml"))
lab_files = [r["file"] for r in labels]
if sorted(lab_files) != files or len(set(lab_files)) != len(lab_files):
    problems.append("labels.csv does not list every .eml exactly once")
actions = cfg["actions"]

KW = ["Rechnung", "Rechnungskopie", "Umsatzsteuer", "MwSt", "facture", "facturation", "TVA", "invoice",
      "VAT receipt", "发票", "Gravur", "Personalisierung", "personalisiert", "gravure", "personnalisation",
      "personnalisé", "engraving", "personalization", "personalised", "customization", "定制", "刻字"]

cats = collections.Counter()
langs = collections.Counter()
for r in labels:
    cats[r["category"]] += 1
    langs[r["note"].split(";")[0].removeprefix("lang=")] += 1
    if actions[r["category"]] != r["action"]:
        problems.append(f"{r['file']}: action {r['action']} != {actions[r['category']]}")
    raw = open(os.path.join(HERE, r["file"]), "rb").read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for h in ("Received", "Message-ID", "Date", "MIME-Version", "From", "Subject"):
        if msg[h] is None:
            problems.append(f"{r['file']}: no {h}")
    if msg.defects:
        problems.append(f"{r['file']}: defects {msg.defects}")
    try:
        body = "\n".join(texts(msg))
        for part in msg.walk():
            if part.get_content_type() == "message/rfc822":
                body += "\n" + "\n".join(texts(part.get_payload(0)))
                body += "\n" + str(part.get_payload(0)["Subject"])
    except Exception as e:  # noqa: BLE001
        problems.append(f"{r['file']}: cannot decode: {e!r}")
        continue
    date = email.utils.parsedate_to_datetime(msg["Date"])
    if date > NOW:
        problems.append(f"{r['file']}: Date in the future")
    alltext = body + "\n" + str(msg["Subject"])
    ids = list(dict.fromkeys(OID.findall(alltext)))
    for loose in LOOSE.findall(alltext):
        if not OID.fullmatch(loose):
            problems.append(f"{r['file']}: malformed order id {loose}")
    for oid in ids:
        if oid not in orders:
            problems.append(f"{r['file']}: order id {oid} in no report")
    sid = seller_of(r["sender"]) if r["sender"] else None
    cat = r["category"]
    if cat == "unknown_sender" and sid:
        problems.append(f"{r['file']}: labelled unknown_sender but {r['sender']} is {sid}")
    if cat not in ("unknown_sender", "auto_generated") and not sid:
        problems.append(f"{r['file']}: sender {r['sender']} not registered")
    if sid:
        region = sellers[sid]["region"]
        if cfg["regions"][region]["address"] != r["recipient"]:
            problems.append(f"{r['file']}: recipient is not the seller's region")
    # expected order-based category
    if cat in ("post_sale_seller_fulfilled", "amazon_fulfilled", "not_covered", "order_unknown") and sid:
        own = [o for o in ids if orders[o][0] == sid]
        if not own:
            exp = "order_unknown"
        else:
            _s, p, chan, _st = orders[own[0]]
            pu = p.astimezone(dt.UTC)
            exp = ("amazon_fulfilled" if chan == "Amazon" else
                   "post_sale_seller_fulfilled" if enrolled(sid, pu) else "not_covered")
        if exp != cat:
            problems.append(f"{r['file']}: labelled {cat}, orders say {exp} ({ids})")
    hits = [k for k in KW if re.search(r"(?<!\w)" + re.escape(k) + r"(?!\w)", alltext, re.I)]
    if hits and cat not in ("invoice", "customization", "seller_question", "auto_generated"):
        print(f"note: {r['file']} ({cat}) contains rule keywords {hits} - check they are only in the seller's note")

print("categories:", dict(cats))
print("languages:", dict(langs))
if problems:
    print("\n".join(problems))
    sys.exit(1)
print("ok")
