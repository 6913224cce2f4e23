"""Why a citizen's message cannot be handled now.

Every channel answers `Unavailable` with its "nicht erreichbar" text; the
subclass says in the log which service was away.
"""


class Unavailable(Exception):
    """A turn could not be handled; nothing of it was lost or half done."""


class DatabaseUnavailable(Unavailable):
    """The project database did not answer (e.g. whether a live chat is open)."""
