"""Rules that relate several values of the config to each other.

They run on the plain data (before and independently of the per-value
validation) so that one file with ten mistakes yields ten problems in one
run, each at the value an admin has to change.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from router.categories import ACTIONS, BUILTIN_CATEGORIES, ORDER_UNKNOWN

Report = Callable[..., None]  # (path, message, *, key=False)


def _dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def suggest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """" (did you mean 'x'?)" where a choice is close, else ""."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_all(data: dict[str, Any], report: Report) -> None:
    regions = _dict(data.get("regions"))
    fees = _dict(_dict(data.get("billing")).get("fees"))
    _check_regions(regions, fees, report)
    _check_sellers(_list(data.get("sellers")), regions, report)
    _check_imap(_list(data.get("imap")), regions, report)
    _check_categories(data, report)
    for market, schedule in fees.items():
        _check_tiers(("billing", "fees", market), _dict(schedule), report)
    smtp = _dict(data.get("smtp"))
    if (smtp.get("tls_cert") is None) != (smtp.get("tls_key") is None):
        report(("smtp",), "smtp: tls_cert and tls_key must be given together")


def _check_regions(regions: dict[Any, Any], fees: dict[Any, Any], report: Report) -> None:
    seen: dict[str, str] = {}
    for name, region in regions.items():
        region = _dict(region)
        address = region.get("address")
        if isinstance(address, str):
            key = address.strip().lower()
            if key in seen:
                report(("regions", name, "address"),
                       f"regions.{name}.address: {address} is already the address of region "
                       f"'{seen[key]}'")
            seen.setdefault(key, str(name))
        market = region.get("marketplace")
        if isinstance(market, str) and fees and market not in fees:
            report(("regions", name, "marketplace"),
                   f"regions.{name}.marketplace: '{market}' has no fee schedule under "
                   f"billing.fees{suggest(market, list(fees))}")


def _check_sellers(sellers: list[Any], regions: dict[Any, Any], report: Report) -> None:
    ids: dict[str, int] = {}
    owners: dict[str, str] = {}
    for i, seller in enumerate(sellers):
        seller = _dict(seller)
        sid = seller.get("id")
        label = f"sellers[{i}]" if not isinstance(sid, str) else f"seller {sid}"
        if isinstance(sid, str):
            if sid in ids:
                report(("sellers", i, "id"),
                       f"{label}: duplicate seller id (also sellers[{ids[sid]}])")
            ids.setdefault(sid, i)
        region = seller.get("region")
        if isinstance(region, str) and region not in regions:
            report(("sellers", i, "region"),
                   f"{label}: region '{region}' does not exist"
                   f"{suggest(region, [str(r) for r in regions])}")
        for j, address in enumerate(_list(seller.get("addresses"))):
            if not isinstance(address, str):
                continue
            key = address.strip().lower()
            if key in owners and owners[key] != str(sid):
                report(("sellers", i, "addresses", j),
                       f"{label}: address {address} is already claimed by seller {owners[key]}")
            elif key in owners:
                report(("sellers", i, "addresses", j), f"{label}: address {address} listed twice")
            owners.setdefault(key, str(sid))
        _check_periods(("sellers", i, "enrollment"), label, _list(seller.get("enrollment")),
                       report)


def _check_periods(path: tuple[str | int, ...], label: str, periods: list[Any],
                   report: Report) -> None:
    spans: list[tuple[date, date | None, int]] = []
    for k, period in enumerate(periods):
        period = _dict(period)
        start, end = period.get("start"), period.get("end")
        if not isinstance(start, date) or not (end is None or isinstance(end, date)):
            continue  # wrong types are the validator's to report
        if end is not None and end <= start:
            report(path + (k, "end"),
                   f"{label}: enrollment period ends ({end}) before or when it starts ({start})")
            continue
        spans.append((start, end, k))
    spans.sort(key=lambda s: s[0])
    for (s1, e1, _k1), (s2, _e2, k2) in zip(spans, spans[1:], strict=False):
        if e1 is None or e1 > s2:
            report(path + (k2, "start"),
                   f"{label}: enrollment period starting {s2} overlaps the one starting {s1}"
                   + (" (which has no end)" if e1 is None else f" (which ends {e1})"))


def _check_imap(accounts: list[Any], regions: dict[Any, Any], report: Report) -> None:
    names: set[str] = set()
    for i, account in enumerate(accounts):
        account = _dict(account)
        name = account.get("name")
        if isinstance(name, str):
            if name in names:
                report(("imap", i, "name"), f"imap[{i}]: duplicate account name '{name}'")
            names.add(name)
        folder = account.get("folder", "INBOX")
        if folder == account.get("processed_folder", "Processed"):
            report(("imap", i, "processed_folder"),
                   f"imap[{i}]: processed_folder must differ from folder ('{folder}'), "
                   "or handled mail would be fetched again")
        region = account.get("region")
        if isinstance(region, str) and region not in regions:
            report(("imap", i, "region"),
                   f"imap[{i}]: region '{region}' does not exist"
                   f"{suggest(region, [str(r) for r in regions])}")


def _rule_categories(data: dict[str, Any]) -> Iterator[tuple[int, str]]:
    rules = _list(_dict(data.get("classification")).get("rules"))
    for i, rule in enumerate(rules):
        category = _dict(rule).get("category")
        if isinstance(category, str):
            yield i, category


def _check_categories(data: dict[str, Any], report: Report) -> None:
    """A category must be built in or defined by both a rule and an action,
    so a typo never routes mail nowhere."""
    actions = _dict(data.get("actions"))
    rule_cats = {cat for _i, cat in _rule_categories(data)}
    known = list(BUILTIN_CATEGORIES)
    for category, action in actions.items():
        if str(category) not in BUILTIN_CATEGORIES and category not in rule_cats:
            report(("actions", category),
                   f"actions: unknown category '{category}'{suggest(str(category), known)}; "
                   "a new category must be named by a classification rule", key=True)
        if isinstance(action, str) and action not in ACTIONS:
            report(("actions", category),
                   f"actions.{category}: unknown action '{action}'"
                   f"{suggest(action, ACTIONS)}; use one of {', '.join(ACTIONS)}")
    for i, category in _rule_categories(data):
        if category not in BUILTIN_CATEGORIES and category not in actions:
            report(("classification", "rules", i, "category"),
                   f"classification.rules[{i}]: category '{category}' does not exist"
                   f"{suggest(category, known)}; name a built-in category or give it an "
                   "entry under actions:")
    rules = _list(_dict(data.get("classification")).get("rules"))
    for i, rule in enumerate(rules):
        rule = _dict(rule)
        if rule and not any(rule.get(k) is not None for k in
                            ("any_keywords", "subject_regex", "from_domain", "has_attachment")):
            report(("classification", "rules", i),
                   f"classification.rules[{i}]: a rule needs at least one condition "
                   "(any_keywords, subject_regex, from_domain or has_attachment)")
    unknown_order = _dict(data.get("classification")).get("unknown_order")
    if isinstance(unknown_order, str) and unknown_order not in ACTIONS:
        report(("classification", "unknown_order"),
               f"classification.unknown_order: unknown action '{unknown_order}'"
               f"{suggest(unknown_order, ACTIONS)}")
    elif (isinstance(unknown_order, str) and isinstance(actions.get(ORDER_UNKNOWN), str)
          and actions[ORDER_UNKNOWN] != unknown_order):
        report(("classification", "unknown_order"),
               f"classification.unknown_order ({unknown_order}) contradicts "
               f"actions.order_unknown ({actions[ORDER_UNKNOWN]})")


def _check_tiers(path: tuple[str | int, ...], schedule: dict[Any, Any], report: Report) -> None:
    tiers = _list(schedule.get("tiers"))
    shown = ".".join(str(p) for p in path)
    if not tiers:
        return
    last: Decimal | None = None
    for k, tier in enumerate(tiers):
        bound = _dict(tier).get("cpu_at_most", "missing")
        if bound is None and k != len(tiers) - 1:
            report(path + ("tiers", k, "cpu_at_most"),
                   f"{shown}.tiers[{k}]: only the last tier may have cpu_at_most: null")
        elif isinstance(bound, (int, Decimal)) and not isinstance(bound, bool):
            if last is not None and Decimal(bound) <= last:
                report(path + ("tiers", k, "cpu_at_most"),
                       f"{shown}.tiers[{k}]: cpu_at_most {bound} is not above the previous "
                       f"tier's {last}; tiers must be strictly ascending")
            last = Decimal(bound)
    final = _dict(tiers[-1]).get("cpu_at_most", "missing")
    if final is not None:
        report(path + ("tiers", len(tiers) - 1),
               f"{shown}.tiers: the last tier must have cpu_at_most: null (no upper bound)")
