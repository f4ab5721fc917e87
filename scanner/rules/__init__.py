"""Rules engine: policy packs (YAML data in `rules/`) judged against a model's graph.

`load_pack(name_or_path) -> PolicyPack`; `evaluate(graph, pack, waivers=None, today=None)
-> Evaluation(findings, verdict, issues)`; `load_waivers(path) -> list[Waiver]`.
The rule language is documented in `rules/README.md`.
"""

from __future__ import annotations

from scanner.rules.engine import Evaluation, evaluate
from scanner.rules.loader import available_packs, load_pack
from scanner.rules.schema import PolicyPack, Rule, RuleError
from scanner.rules.waivers import load_waivers

__all__ = ["Evaluation", "PolicyPack", "Rule", "RuleError", "available_packs", "evaluate", "load_pack", "load_waivers"]
