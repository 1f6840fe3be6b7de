"""Accounting: Contacts per Unit and the monthly CSBA fee per seller.

`billing` holds the rules as pure functions over plain aggregates, so every
rule of the contract's Billing section is unit-tested without a database;
`figures` gathers those aggregates with GROUP BY queries on either engine;
`chart` draws a seller's CPU against the fee tiers.
"""

from router.account.billing import Activity, Bill, BillingError, compute_bill
from router.account.months import Month

__all__ = ["Activity", "Bill", "BillingError", "Month", "compute_bill"]
