"""Licences: the clause-level knowledge base and licence identification.

Knowledge base (`knowledge.py`): `knowledge()` / `licensors()` load the shipped data once per
process, on first use.
"""

from __future__ import annotations

from scanner.licences.knowledge import (
    FACT_NAMES,
    ClauseFact,
    GoverningLaw,
    KnowledgeBaseError,
    LicenceFacts,
    LicenceKnowledge,
    Licensor,
    Licensors,
    knowledge,
    licensors,
    load_knowledge,
    load_licensors,
)

__all__ = [
    "FACT_NAMES",
    "ClauseFact",
    "GoverningLaw",
    "KnowledgeBaseError",
    "LicenceFacts",
    "LicenceKnowledge",
    "Licensor",
    "Licensors",
    "knowledge",
    "licensors",
    "load_knowledge",
    "load_licensors",
]
