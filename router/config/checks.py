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

from router.categories import (
    ACTIONS,
    BUILTIN_CATEGORIES,
    CASE_ACTIONS,
    CASE_CATEGORIES,
    ORDER_UNKNOWN,
    UNAUTHENTICATED,
    UNAUTHENTICATED_ACTIONS,
)
from router.config.errors import dotted
from router.config.types import currency_places, parse_duration, parse_fraction

Report = Callable[..., None]  # (path, message, *, key=False, warning=False)


def _dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# The checks see the values as the validator will type them, whatever their
# YAML spelling: `2026-03-01` and `"2026-03-01"` are the same date, `0.05`
# and `"0.05"` the same bound.  A value that cannot be typed is None here
# (the validator reports it at its position).


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _as_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return parse_fraction(value)
    except ValueError:
        return None


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
    for market, schedules in fees.items():
        check_schedules(("billing", "fees", market), schedules, report)
    _check_trust(data, report)
    _check_cases(_dict(data.get("cases")), report)
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
        start, end = _as_date(period.get("start")), _as_date(period.get("end"))
        if start is None or (end is None and period.get("end") is not None):
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
        elif category == UNAUTHENTICATED and action not in UNAUTHENTICATED_ACTIONS:
            report(("actions", category),
                   f"actions.{category}: '{action}' would act on mail whose sender is not "
                   f"proven; use {' or '.join(UNAUTHENTICATED_ACTIONS)}")
        elif category in CASE_CATEGORIES and action not in CASE_ACTIONS:
            report(("actions", category),
                   f"actions.{category}: a case's mail can only be relayed, held or dropped; "
                   f"use {', '.join(CASE_ACTIONS)}")
        elif action == "relay" and category not in CASE_CATEGORIES:
            report(("actions", category),
                   f"actions.{category}: only a case's mail can be relayed "
                   f"({' and '.join(CASE_CATEGORIES)}); use another action")
    for i, category in _rule_categories(data):
        if category in CASE_CATEGORIES:
            report(("classification", "rules", i, "category"),
                   f"classification.rules[{i}]: category '{category}' is decided from the "
                   "case the mail belongs to; a rule cannot name it")
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
    if unknown_order == "relay":
        report(("classification", "unknown_order"),
               "classification.unknown_order: only a case's mail can be relayed; use another "
               "action")
    elif isinstance(unknown_order, str) and unknown_order not in ACTIONS:
        report(("classification", "unknown_order"),
               f"classification.unknown_order: unknown action '{unknown_order}'"
               f"{suggest(unknown_order, ACTIONS)}")
    elif (isinstance(unknown_order, str) and isinstance(actions.get(ORDER_UNKNOWN), str)
          and actions[ORDER_UNKNOWN] != unknown_order):
        report(("classification", "unknown_order"),
               f"classification.unknown_order ({unknown_order}) contradicts "
               f"actions.order_unknown ({actions[ORDER_UNKNOWN]})")


def check_schedules(path: tuple[str | int, ...], schedules: Any, report: Report) -> None:
    """One schedule, or dated versions of it in ascending order (also for `--fees`)."""
    if isinstance(schedules, dict):
        _check_schedule(path, schedules, report)
        return
    previous: date | None = None
    shown = dotted(path)
    for k, version in enumerate(_list(schedules)):
        version = _dict(version)
        _check_schedule(path + (k,), version, report)
        valid_from = _as_date(version.get("from"))
        if "from" not in version:
            report(path + (k,), f"{shown}[{k}]: a dated version needs from: YYYY-MM-DD")
        elif valid_from is not None and previous is not None and valid_from <= previous:
            report(path + (k, "from"),
                   f"{shown}[{k}]: from {valid_from} is not after the previous version's "
                   f"{previous}; versions must be listed in ascending order")
        previous = valid_from or previous


def _check_schedule(path: tuple[str | int, ...], schedule: dict[Any, Any],
                    report: Report) -> None:
    shown = dotted(path)
    tiers = _list(schedule.get("tiers"))
    _check_tiers(path, shown, tiers, report)
    places = currency_places(str(schedule.get("currency", "")).strip())
    if places is not None:
        fees: list[tuple[tuple[str | int, ...], Any]] = [
            (("tiers", k, "fee"), _dict(t).get("fee")) for k, t in enumerate(tiers)]
        fees.append((("low_volume", "fee"), _dict(schedule.get("low_volume")).get("fee")))
        for where, fee in fees:
            amount = _as_decimal(fee)
            if amount is not None and -amount.as_tuple().exponent > places:  # type: ignore[operator]
                report(path + where,
                       f"{shown}.{dotted(where)}: {fee} has more decimal places than "
                       f"{schedule.get('currency')} has ({places})")
    low = _dict(schedule.get("low_volume"))
    if low and ("max_units" in low) == ("orders_below" in low):
        report(path + ("low_volume",),
               f"{shown}.low_volume: give exactly one of max_units or orders_below")
    rewards = _dict(schedule.get("rewards"))
    discounts = rewards.get("discounts")
    if isinstance(discounts, list) and tiers and len(discounts) != len(tiers):
        report(path + ("rewards", "discounts"),
               f"{shown}.rewards.discounts: {len(discounts)} discounts for {len(tiers)} tiers; "
               "give one per tier, in tier order")


_BOUNDS = ("cpu_at_most", "cpu_below")


def _check_tiers(path: tuple[str | int, ...], shown: str, tiers: list[Any],
                 report: Report) -> None:
    """Exactly one bound per tier, strictly ascending, the last unbounded."""
    if not tiers:
        return
    last: Decimal | None = None
    for k, tier in enumerate(tiers):
        tier = _dict(tier)
        keys = [key for key in _BOUNDS if key in tier]
        here = path + ("tiers", k)
        if len(keys) != 1:
            report(here, f"{shown}.tiers[{k}]: give exactly one bound, cpu_at_most (<=) or "
                         f"cpu_below (<)" + (", not both" if len(keys) == 2 else ""))
            continue
        key = keys[0]
        if tier[key] is None:
            if key != "cpu_at_most" or k != len(tiers) - 1:
                report(here + (key,), f"{shown}.tiers[{k}]: only the last tier may be "
                                      "unbounded, and it is written cpu_at_most: null")
            continue
        bound = _as_decimal(tier[key])
        if bound is None:
            continue  # the validator reports it
        if last is not None and bound <= last:
            report(here + (key,),
                   f"{shown}.tiers[{k}]: {key} {bound} is not above the previous "
                   f"tier's {last}; tiers must be strictly ascending")
        last = bound
    final = _dict(tiers[-1])
    if "cpu_at_most" not in final or final["cpu_at_most"] is not None:
        report(path + ("tiers", len(tiers) - 1),
               f"{shown}.tiers: the last tier must have cpu_at_most: null (no upper bound)")


def _check_trust(data: dict[str, Any], report: Report) -> None:
    """Warnings: sellers believed without authentication."""
    if data.get("trust") is None:
        report(("trust",) if "trust" in data else (),
               "warning: no trust: section, so a seller is whoever the mail says it is "
               "(anyone can forge a seller's address; see the trust: section)", warning=True)
        return
    trust = _dict(data.get("trust"))
    if not trust.get("authserv_id") and trust.get("verify") is not True:
        report(("trust",), "warning: trust: has neither authserv_id nor verify: true, so no "
               "mail is authenticated and every seller's mail is held as unauthenticated",
               warning=True)
    for i, seller in enumerate(_list(data.get("sellers"))):
        seller = _dict(seller)
        if seller.get("trust") == "none":
            report(("sellers", i, "trust"),
                   f"warning: seller {seller.get('id')}: trust: none, so its mail is believed "
                   "without authentication", warning=True)


def _check_cases(cases: dict[Any, Any], report: Report) -> None:
    """A due time after the question; a reminder before the due time (or none, said so)."""
    try:
        within = parse_duration(cases.get("answer_within", "24h"))
        remind = parse_duration(cases.get("remind_after", "12h"))
    except ValueError:
        return  # the value itself is reported by the model
    if not within:
        report(("cases", "answer_within"), "cases.answer_within: must be longer than 0s "
               "(the seller's answer is due this long after the question is relayed)")
    elif remind >= within:
        report(("cases", "remind_after"),
               f"warning: cases.remind_after ({cases.get('remind_after')}) is not shorter than "
               "answer_within, so no reminder is sent (0s says so without this warning)",
               warning=True)
