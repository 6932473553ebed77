"""A small exception hierarchy. Every message says what went wrong and what to do next.

The CLI (sna.cli) and the pages (sna.ui) are the only places that turn these into text for people.
"""


class SnaError(Exception):
    """Base class: an error a user can act on (never a bug)."""


class SourceError(SnaError):
    """A source file is missing, corrupt, or not in the expected format."""


class ConfigError(SnaError):
    """A study-area file or registry entry is wrong (unknown LAD code, unknown name...)."""


class DatabaseError(SnaError):
    """The database is missing, out of date or fails validation."""


class ImportFileError(SnaError):
    """A user-supplied file (routes upload, GIAS download) cannot be used."""


class ChoiceError(SnaError):
    """A combination of choices that has nothing to show (e.g. an indicator not defined at a level)."""
