"""Units written after a number: time units (with their factor) and currencies.

What a number *counts* is not decided here but from the sentence (see ``quantity_reading``).
"""

from __future__ import annotations

TIME_UNITS = {"hour": "hours", "day": "days", "week": "weeks", "month": "months", "year": "years",
              "decade": "years", "century": "years"}
TIME_FACTOR = {"decade": 10, "century": 100}
CURRENCY = {"dollar": "USD", "usd": "USD", "$": "USD", "us$": "USD", "yuan": "CNY", "rmb": "CNY",
            "euro": "EUR", "€": "EUR", "pound": "GBP", "£": "GBP"}
