"""Test support for the rules engine: a small licence knowledge base and graph builders.

The knowledge base below holds real clause facts (sections and short quotes from
`../shared/spec/licence-facts.md` and the licence texts), in the same shape as the shipped
`licences/<key>.yaml` files, so the rules are tested on the clauses that decide real cases
without depending on the whole knowledge base being complete. Graph nodes are built from the
real model-card values in `../shared/fixtures/` where a fixture exists.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.graph import Edge, ModelGraph, Node, NodeKind, Relation
from scanner.model import Evidence
from scanner.rules import evaluate, load_pack

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO.parent / "shared" / "fixtures"
TODAY = dt.date(2026, 1, 20)


def _fact(section: str, quote: str, **details: Any) -> dict[str, Any]:
    return {"section": section, "quote": quote, "verified": True, **details}


LICENCES: dict[str, dict[str, Any]] = {
    "apache-2.0": {
        "key": "apache-2.0", "name": "Apache License 2.0", "category": "permissive", "osi_approved": True,
        "facts_status": "complete", "licensor": {"entity": None, "country": None}, "licensor_is_releaser": True,
        "governing_law": {"law": None, "country": None},
        "facts": {
            "licence_copy": _fact("4(a)", "You must give any other recipients of the Work or Derivative Works a copy of this License"),
            "attribution_notice": _fact("4(d)", "you must include a readable copy of the attribution notices contained within such NOTICE file"),
            "patent_termination": _fact("3", "any patent licenses granted to You under this License for that Work shall terminate"),
        },
    },
    "mit": {
        "key": "mit", "name": "MIT License", "category": "permissive", "osi_approved": True,
        "facts_status": "complete", "licensor": {"entity": None, "country": None}, "licensor_is_releaser": True,
        "governing_law": {"law": None, "country": None},
        "facts": {
            "licence_copy": _fact("", "The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software."),
        },
    },
    "llama3.1": {
        "key": "llama3.1", "name": "Llama 3.1 Community License Agreement", "category": "ai-restricted",
        "osi_approved": False, "facts_status": "complete",
        "licensor": {"entity": "Meta Platforms, Inc.", "country": "US"},
        "governing_law": {"law": "State of California (USA)", "country": "US"},
        "facts": {
            "terminate_on_breach": _fact("6", "Meta may terminate this Agreement if you are in breach of any term or condition of this Agreement."),
            "updatable_policy": _fact("1.b.iv", "adhere to the Acceptable Use Policy for the Llama Materials (available at https://llama.meta.com/llama3_1/use-policy), which is hereby incorporated by reference into this Agreement."),
            "commercial_gate": _fact("2", "greater than 700 million monthly active users", mau_threshold=700000000, discretion=True),
            "attribution_notice": _fact("1.b.iii", "Llama 3.1 is licensed under the Llama 3.1 Community License, Copyright © Meta Platforms, Inc. All Rights Reserved.",
                                        text="Llama 3.1 is licensed under the Llama 3.1 Community License, Copyright © Meta Platforms, Inc. All Rights Reserved."),
            "built_with": _fact("1.b.i", 'prominently display "Built with Llama"', text="Built with Llama"),
            "name_prefix": _fact("1.b.i", 'include "Llama" at the beginning of any such AI model name', prefix="Llama"),
            "licence_copy": _fact("1.b.i", "provide a copy of this Agreement with any such Llama Materials"),
            "propagation": _fact("1.b.i", "provide a copy of this Agreement with any such Llama Materials"),
        },
    },
    "exaone-1.2": {
        "key": "exaone-1.2", "name": "EXAONE AI Model License Agreement 1.2 - NC", "category": "non-commercial",
        "osi_approved": False, "facts_status": "complete",
        "licensor": {"entity": "LG Management Development Institute Co., Ltd.", "country": "KR"},
        "governing_law": {"law": "Republic of Korea", "country": "KR"},
        "facts": {
            "revocable": _fact("7.1", "The Licensor reserves the right to terminate this Agreement and revoke the Licensee's rights to use the Model at any time"),
            "terminate_on_breach": _fact("7.1", "without prior notice if the Licensee breaches any of the terms or conditions of this Agreement."),
            "unilateral_amendment": _fact("9.1", "The Licensor reserves the right to modify or amend this Agreement at any time, in its sole discretion."),
            "non_commercial": _fact("3.1", "expressly prohibited from using the Model, Derivatives, or Output for any commercial purposes"),
            "name_prefix": _fact("2.1", "the modified Model must include \"EXAONE\" at the beginning of its name.", prefix="EXAONE"),
        },
    },
    "hyperclovax-seed": {
        "key": "hyperclovax-seed", "name": "HyperCLOVA X SEED Model License Agreement", "category": "ai-restricted",
        "osi_approved": False, "facts_status": "complete",
        "licensor": {"entity": "NAVER Corporation", "country": "KR"},
        "governing_law": {"law": "Republic of Korea", "country": "KR"},
        "facts": {
            "terminate_on_breach": _fact("10", "NAVER may terminate this Agreement if you breach any of the terms or conditions"),
            "unilateral_amendment": _fact("12", "NAVER reserves the right to modify or amend this Agreement at any time, in its sole discretion"),
            "commercial_gate": _fact("4", ">10 million monthly active users", mau_threshold=10000000, discretion=True),
            "built_with": _fact("3.1(v)", 'prominently display "Powered by HyperCLOVA X"', text="Powered by HyperCLOVA X"),
        },
    },
    "qwen": {
        "key": "qwen", "name": "Qwen LICENSE AGREEMENT", "category": "ai-restricted", "osi_approved": False,
        "facts_status": "complete", "licensor": {"entity": "Alibaba Cloud", "country": "CN"},
        "governing_law": {"law": "People's Republic of China", "country": "CN"},
        "facts": {
            "terminate_on_breach": _fact("8b", "Licensor may terminate this Agreement if you breach any of the terms"),
            "commercial_gate": _fact("4", "more than 100 million monthly active users", mau_threshold=100000000),
            "built_with": _fact("5b", 'display "Built with Qwen" or "Improved using Qwen"', text="Built with Qwen"),
        },
    },
    "creativeml-openrail-m": {
        "key": "creativeml-openrail-m", "name": "CreativeML Open RAIL-M", "category": "ai-restricted",
        "osi_approved": False, "facts_status": "complete", "licensor": {"entity": None, "country": None},
        "governing_law": {"law": None, "country": None},
        "facts": {
            "remote_restriction": _fact("7", "Licensor reserves the right to restrict (remotely or otherwise) usage of the Model in violation of this License"),
            "propagation": _fact("4.a", "Use-based restrictions as referenced in paragraph 5 MUST be included as an enforceable provision"),
        },
    },
    "deepseek-model-1.0": {
        "key": "deepseek-model-1.0", "name": "DeepSeek License Agreement 1.0", "category": "ai-restricted",
        "osi_approved": False, "facts_status": "complete",
        "licensor": {"entity": "Hangzhou DeepSeek Artificial Intelligence Co., Ltd.", "country": "CN"},
        "governing_law": {"law": "People's Republic of China", "country": "CN"},
        "facts": {
            "remote_restriction": _fact("7", "DeepSeek reserves the right to restrict (remotely or otherwise) usage of the Model in violation of this License"),
            "field_of_use": _fact("Attachment A", "For military use in any way"),
        },
    },
    "kimi-k2-modified-mit": {
        "key": "kimi-k2-modified-mit", "name": "Modified MIT License (Kimi K2)", "category": "permissive",
        "osi_approved": False, "facts_status": "complete", "licensor": {"entity": "Moonshot AI", "country": "CN"},
        "governing_law": {"law": None, "country": None},
        "facts": {
            "commercial_gate": _fact("", "more than 100 million monthly active users, or more than 20 million US dollars",
                                     mau_threshold=100000000, revenue_threshold="US$20M monthly"),
            "licence_copy": _fact("", "The above copyright notice and this permission notice shall be included"),
        },
    },
    "gpl-3.0": {
        "key": "gpl-3.0", "name": "GNU General Public License v3.0", "category": "copyleft", "osi_approved": True,
        "facts_status": "complete", "licensor": {"entity": None, "country": None}, "licensor_is_releaser": True,
        "governing_law": {"law": None, "country": None},
        "facts": {
            "terminate_on_breach": _fact("8", "Any attempt otherwise to propagate or modify it is void, and will automatically terminate your rights under this License",
                                         automatic=True),
            "copyleft": _fact("5(c)", "You must license the entire work, as a whole, under this License"),
            "licence_copy": _fact("4", "give all recipients a copy of this License along with the Program"),
        },
    },
    "glm-4": {
        "key": "glm-4", "name": "GLM-4 model licence", "category": "ai-restricted", "osi_approved": False,
        "facts_status": "unverified", "licensor": {"entity": "Beijing Zhipu Huazhang Technology Co., Ltd.", "country": "CN"},
        "governing_law": {"law": "People's Republic of China", "country": "CN"},
        "facts": {
            "revocable": _fact("2", "a non-exclusive, worldwide, non-transferable, non-sublicensable, revocable, royalty-free copyright license"),
            "unilateral_amendment": _fact("6", "the license is subject to update to a more comprehensive version"),
        },
    },
    "cc-by-4.0": {
        "key": "cc-by-4.0", "name": "Creative Commons Attribution 4.0", "category": "data", "osi_approved": False,
        "facts_status": "complete", "licensor": {"entity": None, "country": None}, "licensor_is_releaser": True,
        "governing_law": {"law": None, "country": None}, "facts": {},
    },
}


class TinyKnowledge:
    """The knowledge-base lookup API (`get`, `lookup`) over the entries above."""

    def __init__(self, entries: dict[str, dict[str, Any]] = LICENCES) -> None:
        self.entries = entries

    def get(self, key: str) -> dict[str, Any] | None:
        return self.entries.get(key)

    def lookup(self, value: str) -> dict[str, Any] | None:
        return self.entries.get(value.strip().lower())


ORGS: dict[str, dict[str, Any]] = {
    "lgai-exaone": {"entity": "LG Management Development Institute Co., Ltd.", "country": "KR", "parent": "LG Corp."},
    "lg ai research": {"entity": "LG Management Development Institute Co., Ltd.", "country": "KR", "parent": "LG Corp."},
    "naver-hyperclovax": {"entity": "NAVER Corporation", "country": "KR", "parent": None},
    "qwen": {"entity": "Alibaba Cloud", "country": "CN", "parent": "Alibaba Group"},
    "alibaba cloud": {"entity": "Alibaba Cloud", "country": "CN", "parent": "Alibaba Group"},
    "meta-llama": {"entity": "Meta Platforms, Inc.", "country": "US", "parent": None},
    "deepseek-ai": {"entity": "Hangzhou DeepSeek Artificial Intelligence Co., Ltd.", "country": "CN", "parent": None},
    "skt": {"entity": "SK Telecom Co., Ltd.", "country": "KR", "parent": None},
    "upstage": {"entity": "Upstage AI", "country": "KR", "parent": None},
    "zai-org": {"entity": "Zhipu AI", "country": "CN", "parent": None},
    "mistralai": {"entity": "Mistral AI", "country": "FR", "parent": None},
    "google": {"entity": "Google LLC", "country": "US", "parent": None},
}


class TinyLicensors:
    """The licensors-table lookup API: by Hub org, or by the legal entity's name."""

    def lookup(self, org: str) -> dict[str, Any] | None:
        folded = org.strip().lower()
        if folded in ORGS:
            return ORGS[folded]
        return next((v for v in ORGS.values() if str(v["entity"]).lower() == folded), None)


# -- fixture data ----------------------------------------------------------------------------


def front_matter(fixture: str) -> dict[str, Any]:
    """The YAML front matter of a fixture's model card (README.md or README.frontmatter.md)."""
    folder = FIXTURES / fixture
    if not folder.is_dir():
        pytest.skip(f"../shared/fixtures/{fixture} is not available")
    for name in ("README.frontmatter.md", "README.md"):
        path = folder / name
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            head = text.split("---", 2)
            return yaml.safe_load(head[1]) or {}
    return {}


def card_body(fixture: str) -> str:
    path = FIXTURES / fixture / "README.md"
    if not path.is_file():
        pytest.skip(f"../shared/fixtures/{fixture}/README.md is not available")
    return path.read_text(encoding="utf-8").split("---", 2)[2]


_LICENCE_NAMES = {"exaone": "exaone-1.2"}


def licence_of(card: dict[str, Any]) -> str | None:
    """What the resolver puts in `node.licence`: the card id, or `license_name` for `other`."""
    value = card.get("license")
    if value == "other":
        name = card.get("license_name")
        return _LICENCE_NAMES.get(name, name)
    return value


# -- graph building --------------------------------------------------------------------------


class GraphBuilder:
    """Small graphs with the shared node-id and attribute contracts."""

    def __init__(self) -> None:
        self.graph = ModelGraph()

    def model(self, repo: str, *, target: bool = False, fixture: str | None = None, licence: Any = "card",
              resolved: bool = True, country: str | None = "auto", **attributes: Any) -> str:
        card = front_matter(fixture) if fixture else {}
        org = repo.split("/", 1)[0]
        if licence == "card":
            licence = licence_of(card) if fixture else None
        if country == "auto":
            found = ORGS.get(org.lower())
            country = found["country"] if found else None
        evidence = []
        if fixture and card.get("license"):
            evidence.append(Evidence(path="README.md", key="license", excerpt=str(card["license"]), repo=repo))
        if fixture and card.get("base_model"):
            attributes.setdefault("base_models", [card["base_model"]])
            attributes.setdefault("base_model_relation", card.get("base_model_relation"))
        node = Node(id=f"model:{repo}", kind=NodeKind.MODEL, name=repo, supplier=org, country=country,
                    licence=licence, resolved=resolved, evidence=evidence,
                    attributes={"is_target": target, "declared_licence": card.get("license"), **attributes})
        self.graph.add_node(node)
        if target:
            self.graph.root = node.id
        return node.id

    def weights(self, model_id: str, component: str, **attributes: Any) -> str:
        model = self.graph.node(model_id)
        nid = f"weights:{model.name}#{component}"
        self.graph.add_node(Node(id=nid, kind=NodeKind.WEIGHTS, name=f"{model.name} {component.replace('_', ' ')}",
                                 supplier=model.supplier, country=model.country,
                                 attributes={"component": component, **attributes}))
        self.edge(model_id, nid, Relation.CONTAINS)
        return nid

    def node(self, nid: str, kind: NodeKind, name: str, *, supplier: str | None = None, country: str | None = None,
             licence: str | None = None, resolved: bool = True, **attributes: Any) -> str:
        self.graph.add_node(Node(id=nid, kind=kind, name=name, supplier=supplier, country=country,
                                 licence=licence, resolved=resolved, attributes=attributes))
        return nid

    def edge(self, source: str, target: str, relation: Relation | str, confidence: float = 1.0,
             evidence: list[Evidence] | None = None, **attributes: Any) -> Edge:
        return self.graph.add_edge(Edge(source=source, target=target, relation=Relation(relation),
                                        evidence=list(evidence or []), confidence=confidence,
                                        attributes=attributes))


def run(graph: ModelGraph, pack: Any = "kr-sovereign-2026", **kwargs: Any):
    """Evaluate with the tiny knowledge base and a fixed date."""
    pack = load_pack(pack) if isinstance(pack, (str, Path)) else pack
    kwargs.setdefault("today", TODAY)
    return evaluate(graph, pack, knowledge=TinyKnowledge(), licensors=TinyLicensors(), **kwargs)


def rules_fired(evaluation) -> set[str]:
    return {f.rule for f in evaluation.findings}
