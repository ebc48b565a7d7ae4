"""The small error hierarchy of gapmap.

Every error names the file, row or key at fault and says what was got and what was expected.
The CLI turns these into one clear line and a non-zero exit code.
"""

from __future__ import annotations


class GapmapError(ValueError):
    """Base class for errors a user can fix by changing inputs or configuration."""


class InputError(GapmapError):
    """An input file is missing, unreadable or not in the expected format."""


class ConfigError(GapmapError):
    """A configuration key is unknown or has a value out of range."""


class RunError(GapmapError):
    """A pipeline run could not complete (the last published output is left untouched)."""
