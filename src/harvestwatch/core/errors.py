"""The one error hierarchy of harvestwatch.

Every error says what was wrong, with which input, and (where it helps) what to do.
Errors are caught at the edge (CLI, web) and turned into a message and an exit code.
"""

from __future__ import annotations


class HarvestwatchError(Exception):
    """Base class of all errors raised on purpose by harvestwatch."""

    exit_code = 2


class InputError(HarvestwatchError):
    """An input (file, URL, record, CSV row) could not be used.

    ``source`` names the input, ``reason`` says what is wrong with it.
    """

    def __init__(self, source: str, reason: str):
        self.source = str(source)
        self.reason = reason
        super().__init__(f"{self.source}: {reason}")


class UnsupportedFormat(InputError):
    """The input's format is not one harvestwatch can read."""


class EmptyInput(InputError):
    """The input has no bytes, or no text could be taken from it."""


class InputTooLarge(InputError):
    """The input is over the configured size cap."""


class DecompressionBomb(InputError):
    """A compressed input expands far beyond any plausible document."""


class CorruptInput(InputError):
    """The input claims a format but its bytes cannot be parsed as it."""


class FetchError(InputError):
    """A URL could not be fetched (timeout, HTTP error, too large, refused)."""


class ValidationError(InputError):
    """A structured input (CSV, RIS, JSON) has a bad field; ``source`` names row and column."""


class NotFound(HarvestwatchError):
    """A document, entity, dataset or record asked for does not exist."""

    exit_code = 1


class PermissionDenied(HarvestwatchError):
    """The acting user's role may not do or see this."""

    exit_code = 3


class CustodyBroken(HarvestwatchError):
    """The custody ledger or a blob does not verify; ``problems`` lists each difference."""

    exit_code = 1

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("custody does not verify: " + "; ".join(problems[:5]))


class ConfigError(HarvestwatchError):
    """The configuration (store path, database URL, options) is unusable."""
