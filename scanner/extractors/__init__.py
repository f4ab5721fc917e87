"""Extractors: pure functions from file contents to facts, each fact with its evidence."""

from scanner.extractors.interface import ExtractionError

__all__ = ["ExtractionError"]
