"""Plain data shared by the billing tests: the contract's two fee schedules."""

from __future__ import annotations

from datetime import date
from typing import Any

from router.account.billing import Coverage, Terms
from router.config.model import Config, FeeSchedule, Period

DE = FeeSchedule.model_validate({
    "currency": "EUR",
    "tiers": [{"cpu_at_most": "0.05", "fee": "0.09"}, {"cpu_at_most": "0.15", "fee": "0.41"},
              {"cpu_at_most": "0.30", "fee": "1.09"}, {"cpu_at_most": None, "fee": "2.55"}],
    "low_volume": {"max_units": 30, "fee": "0.41"},
})
COM = FeeSchedule.model_validate({
    "currency": "USD",
    "tiers": [{"cpu_at_most": "0.05", "fee": "0.10"}, {"cpu_at_most": "0.15", "fee": "0.25"},
              {"cpu_at_most": "0.30", "fee": "0.50"}, {"cpu_at_most": None, "fee": "0.70"}],
    "low_volume": {"max_units": 30, "fee": "0.25"},
})


def period(start: str, end: str | None = None) -> Period:
    return Period(start=date.fromisoformat(start),
                  end=None if end is None else date.fromisoformat(end))


def terms(*periods: Period, schedule: FeeSchedule = DE, trial_days: int = 30,
          window: int = 3, seller_id: str = "S1") -> Terms:
    market = "amazon.de" if schedule is DE else "amazon.com"
    return Terms(seller_id, market, (schedule,), Coverage.of(periods, trial_days), window)


def config(sellers: list[dict[str, Any]], trial_days: int = 30) -> Config:
    """A Config with the contract's regions and schedules plus a .com region."""
    schedules = {"amazon.de": DE.model_dump(mode="json"), "amazon.com": COM.model_dump(mode="json")}
    return Config.model_validate({
        "regions": {
            "de2de": {"address": "csba-de2de@amazon.de", "marketplace": "amazon.de",
                      "forward_to": "team-de@example.internal"},
            "us2us": {"address": "csba-us2us@amazon.com", "marketplace": "amazon.com",
                      "forward_to": "team-us@example.internal"},
        },
        "sellers": [{"addresses": [f"{s['id'].lower()}@example.com"], "region": "de2de", **s}
                    for s in sellers],
        "billing": {"trial_days": trial_days, "cpu_window_months": 3, "fees": schedules},
    })
