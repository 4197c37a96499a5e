"""Errors users see. Messages are in Chinese; each names what was wrong."""


class RedlineError(Exception):
    """Base class: an expected failure with a message fit to show a user."""


class PolicyError(RedlineError):
    """The policy file is missing, unreadable, not TOML, or has a bad value (named by key)."""


class InputError(RedlineError):
    """User input (a file, a JSON line, an argument) is malformed; nothing was changed."""


class NotFoundError(RedlineError):
    """An id (note, account, entry, experiment…) that the store does not know."""


class ConflictError(RedlineError):
    """The request contradicts stored state (deciding an item twice, appealing a reversal…)."""
