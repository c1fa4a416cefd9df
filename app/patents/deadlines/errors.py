"""Errors raised by the deadline rules engine."""


class RuleError(ValueError):
    """Bad input to the engine: unknown jurisdiction/event, bad date, missing
    or invalid parameter, no rule in force.  The message names the problem."""


class RuleDataError(RuntimeError):
    """The rule or calendar data files are inconsistent (a bug in the data,
    not in the caller's input).  Raised when the data is loaded."""
