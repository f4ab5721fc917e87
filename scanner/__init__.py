"""sovscan: does an AI model really belong to its makers? Licence, lineage and weight checks."""

__version__ = "0.1.0"
