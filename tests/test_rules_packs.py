"""Every rule of every shipped pack (and every engine rule): one graph where it fires and one
where it must not. Graphs are built from real card and config values in ../shared/fixtures."""

from __future__ import annotations

from typing import Callable

import pytest
import yaml

from rules_support import FIXTURES, GraphBuilder, card_body, rules_fired, run
from scanner.graph import ModelGraph, NodeKind, Relation
from scanner.model import Evidence
from scanner.rules import available_packs, load_pack
from scanner.rules.builtin import engine_rules

HCX32 = "naver-hyperclovax/HyperCLOVAX-SEED-Think-32B"


# -- scenarios (each returns a graph) --------------------------------------------------------------


def hcx32b_vision(weights_origin: str = "inherited", reuse: float | None = 0.95) -> ModelGraph:
    """The disqualified case: HyperCLOVA X SEED Think 32B with Qwen2.5-VL's vision tower."""
    cfg_path = FIXTURES / "naver-hyperclovax__HyperCLOVAX-SEED-Think-32B" / "vision_encoder_config.omniserve_32b_cont_config.yaml"
    if not cfg_path.is_file():
        pytest.skip("HCX-32B vision config fixture is not available")
    cfg = yaml.safe_load(cfg_path.read_text(encoding="utf-8"))
    b = GraphBuilder()
    # The 32B card was not found; its 14B sibling's card declares the licence of the family.
    t = b.model(HCX32, target=True, licence="hyperclovax-seed")
    v = b.weights(t, "vision_tower", model_type=cfg["model_type"], architectures=cfg["architectures"],
                  origin_family="Qwen2.5-VL", origin_org="Alibaba Cloud", origin_country="CN",
                  weights_origin=weights_origin, config_key="vision_config", tensor_prefixes=["model.vision_model."])
    b.graph.node(v).evidence.append(Evidence(path="config.json", key="vision_config.model_type", excerpt=cfg["model_type"]))
    b.weights(t, "language_model", model_type="hyperclovax", weights_origin="own", origin_org="NAVER",
              origin_country="KR", tensor_prefixes=["model.language_model."])
    if reuse is not None:
        q = b.model("Qwen/Qwen2.5-VL-32B-Instruct", fixture="Qwen__Qwen2.5-VL-32B-Instruct")
        b.edge(v, q, Relation.REUSES_WEIGHTS_OF, reuse,
               [Evidence(path="config.json", line=141, key="vision_model_name_or_path",
                         excerpt="/mnt/ddn/vuvlm/model_weights/qwen2_5_vl_32b_visual_fa2/")],
               method="config-path")
    return b.graph


def hash_only_reuse() -> ModelGraph:
    """A component found identical to a fingerprinted reference by its tensors alone: no design
    origin is known, so only tech.inherited-weights (with the tensor list) speaks for it."""
    graph = hcx32b_vision("inherited")
    vision = next(n for n in graph.nodes() if n.id.endswith("#vision_tower"))
    for key in ("origin_family", "origin_org", "origin_country"):
        vision.attributes.pop(key, None)
    return graph


def exaone_gptq(base_resolved: bool = True) -> ModelGraph:
    """LG's own GPTQ quantisation of EXAONE 4.0 32B (base declared in the card)."""
    b = GraphBuilder()
    t = b.model("LGAI-EXAONE/EXAONE-4.0-32B-GPTQ", target=True, fixture="LGAI-EXAONE__EXAONE-4.0-32B-GPTQ",
                detected_licences=["exaone-1.2"])
    base = b.model("LGAI-EXAONE/EXAONE-4.0-32B", licence="exaone-1.2" if base_resolved else None,
                   resolved=base_resolved)
    b.edge(t, base, Relation.QUANTIZED_OF, 1.0,
           [Evidence(path="README.md", key="base_model", excerpt="LGAI-EXAONE/EXAONE-4.0-32B")])
    return b.graph


def solar_similarity(confidence: float | None = 0.4, strength: str = "strong", norm_only: bool = False,
                     norm_only_edge: bool = False) -> ModelGraph:
    """Solar Open 100B against GLM-4.5-Air-Base: the January 2026 similarity dispute.

    `norm_only`: the weights analyser's record of a LayerNorm-only resemblance (a node
    attribute, never an edge); `norm_only_edge`: an edge marked `norm_only`, which no rule may
    treat as inheritance."""
    b = GraphBuilder()
    extra = {}
    if norm_only:
        extra["norm_only_similarity"] = {"cosine": {"zai-org/GLM-4.5-Air-Base": 0.989},
                                         "note": "norm weights look alike in unrelated models"}
    t = b.model("upstage/Solar-Open-100B", target=True, fixture="upstage__Solar-Open-100B", **extra)
    glm = b.model("zai-org/GLM-4.5-Air-Base", fixture="zai-org__GLM-4.5-Air-Base")
    if confidence is not None:
        attrs = {"method": "weight-similarity", "statistic": "same_basis_cosine", "strength": strength}
        if norm_only_edge:
            attrs["norm_only"] = True
        b.edge(t, glm, Relation.DERIVED_FROM, confidence,
               [Evidence(path="model.safetensors", key="model.layers.0.mlp.down_proj.weight",
                         excerpt=f"language_model: similarity against zai-org/GLM-4.5-Air-Base ({strength})")], **attrs)
    return b.graph


def hcx05b_prose(method: str = "card-prose", confidence: float = 0.3) -> ModelGraph:
    """HyperCLOVA X SEED 0.5B: the card's prose mentions a pretrained model, none declared."""
    body = card_body("naver-hyperclovax__HyperCLOVAX-SEED-Text-Instruct-0.5B")
    line = next(i for i, text in enumerate(body.splitlines(), 1) if "pretrained model" in text)
    b = GraphBuilder()
    t = b.model("naver-hyperclovax/HyperCLOVAX-SEED-Text-Instruct-0.5B", target=True,
                fixture="naver-hyperclovax__HyperCLOVAX-SEED-Text-Instruct-0.5B")
    q = b.model("Qwen/Qwen2.5-0.5B-Instruct", licence="apache-2.0")
    b.edge(t, q, Relation.DERIVED_FROM, confidence,
           [Evidence(path="README.md", line=line, excerpt="a high-performance pretrained model")], method=method)
    return b.graph


def hcx_vision3b(weights_origin: str = "unknown") -> ModelGraph:
    """HyperCLOVA X SEED Vision 3B: a "SigLIP-based" vision encoder of unstated weight origin."""
    b = GraphBuilder()
    t = b.model("naver-hyperclovax/HyperCLOVAX-SEED-Vision-Instruct-3B", target=True,
                fixture="naver-hyperclovax__HyperCLOVAX-SEED-Vision-Instruct-3B")
    b.weights(t, "vision_tower", model_type="siglip_vision_model", origin_family="SigLIP", origin_org="Google",
              origin_country="US", weights_origin=weights_origin, config_key="vision_config")
    return b.graph


def ax31(**attributes) -> ModelGraph:
    """SKT A.X 3.1: Apache-2.0, "trained from scratch"; model-index datasets are evaluation only."""
    b = GraphBuilder()
    t = b.model("skt/A.X-3.1", target=True, fixture="skt__A.X-3.1", detected_licences=["apache-2.0"], **attributes)
    ds = b.node("dataset:HAERAE-HUB/KMMLU", NodeKind.DATASET, "HAERAE-HUB/KMMLU", supplier="HAERAE-HUB",
                resolved=False)
    b.edge(t, ds, Relation.EVALUATED_ON)
    return b.graph


def axk1_code(code_licence: str | None = "mit", with_code: bool = True, detected: list[str] | None = None) -> ModelGraph:
    """SKT A.X K1 (Apache-2.0) with inference code copied from DeepSeek-V3 (MIT)."""
    b = GraphBuilder()
    t = b.model("skt/A.X-K1", target=True, fixture="skt__A.X-K1",
                detected_licences=detected if detected is not None else ["apache-2.0", "mit"])
    if with_code:
        c = b.node("code:deepseek-ai/DeepSeek-V3", NodeKind.CODE, "deepseek-ai/DeepSeek-V3",
                   supplier="deepseek-ai", country="CN", licence=code_licence)
        b.edge(t, c, Relation.COPIES_CODE_FROM, 0.9,
               [Evidence(path="modeling_axk1.py", line=1, excerpt="# Adapted from DeepSeek-V3 inference code")])
    return b.graph


def llama_finetune(name: str = "skt/Llama-3.1-ko-8b", licence: str = "llama3.1", **attributes) -> ModelGraph:
    """A Korean fine-tune of Llama 3.1 8B Instruct."""
    b = GraphBuilder()
    t = b.model(name, target=True, licence=licence, **attributes)
    base = b.model("meta-llama/Llama-3.1-8B-Instruct", licence="llama3.1")
    b.edge(t, base, Relation.FINETUNE_OF, 1.0, [Evidence(path="README.md", key="base_model",
                                                          excerpt="meta-llama/Llama-3.1-8B-Instruct")])
    return b.graph


TRUNCATED = "A Korean chat model trained on public data. " * 45 + "…"
LLAMA_NOTICE = "Llama 3.1 is licensed under the Llama 3.1 Community License, Copyright © Meta Platforms, Inc. All Rights Reserved."
LLAMA_DUTIES_MET = dict(detected_licences=["llama3.1"], notice_text=LLAMA_NOTICE,
                        card_text="A Korean chat model. Built with Llama.")


def exaone_dependency(supplier_repo: str = "skt/ko-reasoner-32b") -> ModelGraph:
    """Another organisation's fine-tune of LG's EXAONE 4.0 32B."""
    b = GraphBuilder()
    t = b.model(supplier_repo, target=True, licence="exaone-1.2", detected_licences=["exaone-1.2"])
    base = b.model("LGAI-EXAONE/EXAONE-4.0-32B", licence="exaone-1.2")
    b.edge(t, base, Relation.FINETUNE_OF)
    return b.graph


def mistral_dependency() -> ModelGraph:
    b = GraphBuilder()
    t = b.model("skt/ko-mistral-7b", target=True, licence="apache-2.0", detected_licences=["apache-2.0"])
    base = b.model("mistralai/Mistral-7B-v0.3", fixture="mistralai__Mistral-7B-v0.3")
    b.edge(t, base, Relation.FINETUNE_OF)
    return b.graph


def dependency_under(licence: str, repo: str = "CompVis/stable-diffusion-v1-4") -> ModelGraph:
    b = GraphBuilder()
    t = b.model("skt/A.X-3.1", target=True, fixture="skt__A.X-3.1")
    dep = b.model(repo, licence=licence)
    b.edge(t, dep, Relation.DEPENDS_ON)
    return b.graph


def with_dataset(licence: str | None = "cc-by-4.0") -> ModelGraph:
    b = GraphBuilder()
    t = b.model("skt/A.X-3.1", target=True, fixture="skt__A.X-3.1")
    ds = b.node("dataset:wikimedia/wikipedia", NodeKind.DATASET, "wikimedia/wikipedia", supplier="wikimedia",
                licence=licence)
    b.edge(t, ds, Relation.TRAINED_ON)
    return b.graph


def foreign_unresolved_base() -> ModelGraph:
    b = GraphBuilder()
    t = b.model("skt/ko-secret-ft", target=True, licence="apache-2.0", detected_licences=["apache-2.0"])
    base = b.model("acme-gated/secret-base", licence=None, resolved=False, country="US")
    b.edge(t, base, Relation.FINETUNE_OF)
    return b.graph


def tokenizer_family() -> ModelGraph:
    """A tokenizer whose special tokens identify the Qwen family: a hint, not weights."""
    b = GraphBuilder()
    t = b.model("skt/A.X-3.1", target=True, fixture="skt__A.X-3.1")
    tok = b.node("tokenizer:skt/A.X-3.1", NodeKind.TOKENIZER, "skt/A.X-3.1 tokenizer", supplier="skt", country="KR")
    b.edge(t, tok, Relation.CONTAINS)
    qwen = b.model("Qwen/Qwen2.5-7B", licence="apache-2.0")
    b.edge(tok, qwen, Relation.DERIVED_FROM, 0.3,
           [Evidence(path="tokenizer_config.json", key="added_tokens_decoder", excerpt="<|im_start|>")],
           method="tokenizer-family")
    return b.graph


OPEN_ALL = {"weights": True, "code": True, "data_card": True, "training_logs": True}
OPEN_WEIGHTS = {"weights": True, "code": True, "data_card": False, "training_logs": False}
CLOSED = {"weights": False, "code": False, "data_card": False, "training_logs": False}


# -- the table: (pack, rule, fires, scenario) -----------------------------------------------------

Case = tuple[str, str, bool, Callable[[], ModelGraph]]
KR = "kr-sovereign-2026"
PERM = "permissive-only"
COMM = "commercial-use"

CASES: list[Case] = [
    # technical
    (KR, "tech.inherited-weights", True, lambda: hcx32b_vision()),
    (KR, "tech.inherited-weights", True, lambda: llama_finetune()),
    (KR, "tech.inherited-weights", True, lambda: solar_similarity(0.95)),
    (KR, "tech.inherited-weights", False, lambda: exaone_gptq()),
    (KR, "tech.inherited-weights", False, lambda: solar_similarity(0.99, norm_only_edge=True)),
    (KR, "tech.inherited-weights", False, lambda: solar_similarity(0.85)),  # similarity needs 0.9
    (KR, "tech.inherited-weights", False, lambda: solar_similarity(0.95, strength="weak")),
    (KR, "tech.own-lineage", True, lambda: exaone_gptq()),
    (KR, "tech.own-lineage", False, lambda: hcx32b_vision()),
    (KR, "tech.weak-weight-similarity", True, lambda: solar_similarity(0.4, strength="weak")),
    (KR, "tech.weak-weight-similarity", True, lambda: solar_similarity(0.85)),
    (KR, "tech.weak-weight-similarity", False, lambda: solar_similarity(0.95)),
    (KR, "tech.weak-weight-similarity", False, lambda: solar_similarity(0.4, norm_only_edge=True)),
    (KR, "tech.norm-only-similarity", True, lambda: solar_similarity(None, norm_only=True)),
    (KR, "tech.norm-only-similarity", False, lambda: solar_similarity(0.95)),
    (KR, "tech.undeclared-base-suggested", True, lambda: hcx05b_prose()),
    (KR, "tech.undeclared-base-suggested", False, lambda: hcx05b_prose(method="weight-similarity")),
    (KR, "tech.undeclared-base-suggested", False, lambda: exaone_gptq()),
    (KR, "tech.foreign-architecture-unknown-origin", True, lambda: hcx_vision3b("unknown")),
    (KR, "tech.foreign-architecture-unknown-origin", False, lambda: hcx_vision3b("own")),
    (KR, "tech.foreign-architecture-inherited", True, lambda: hcx32b_vision("inherited", reuse=None)),
    (KR, "tech.foreign-architecture-inherited", False, lambda: hcx32b_vision("unknown", reuse=None)),
    (KR, "tech.foreign-architecture-inherited", False, lambda: hash_only_reuse()),
    (KR, "tech.inherited-weights", True, lambda: hash_only_reuse()),
    (KR, "tech.training-from-trained", True, lambda: ax31(training_log={"verdict": "from_trained", "first_loss": 2.1})),
    (KR, "tech.training-from-trained", False, lambda: ax31(training_log={"verdict": "from_scratch", "first_loss": 11.6})),
    (KR, "tech.training-from-scratch", True, lambda: ax31(training_log={"verdict": "from_scratch", "first_loss": 11.6})),
    (KR, "tech.training-from-scratch", False, lambda: ax31(training_log={"verdict": "from_trained", "first_loss": 2.1})),
    (KR, "tech.borrowed-code", True, lambda: axk1_code()),
    (KR, "tech.borrowed-code", False, lambda: axk1_code(with_code=False)),
    # policy
    (KR, "policy.foreign-licensor-control", True, lambda: llama_finetune()),
    (KR, "policy.foreign-licensor-control", False, lambda: mistral_dependency()),
    (KR, "policy.foreign-licensor-control", False, lambda: exaone_dependency()),
    # GPL terminates automatically on violation (with cure): no power of the licensor
    (KR, "policy.foreign-licensor-control", False, lambda: dependency_under("gpl-3.0", "mistralai/gpl-tool")),
    (KR, "policy.licence-facts-incomplete", True, lambda: dependency_under("glm-4", "zai-org/glm-4-9b")),
    (KR, "policy.licence-facts-incomplete", False, lambda: dependency_under("apache-2.0")),
    (KR, "policy.domestic-third-party-control", True, lambda: exaone_dependency()),
    (KR, "policy.domestic-third-party-control", False, lambda: exaone_gptq()),
    (KR, "policy.unknown-licensor-control", True, lambda: dependency_under("creativeml-openrail-m")),
    (KR, "policy.unknown-licensor-control", False, lambda: dependency_under("apache-2.0")),
    (KR, "policy.foreign-weights-supplier", True, lambda: hcx32b_vision()),
    (KR, "policy.foreign-weights-supplier", False, lambda: exaone_gptq()),
    (KR, "policy.foreign-weights-supplier", False, lambda: tokenizer_family()),
    (KR, "tech.undeclared-base-suggested", True, lambda: tokenizer_family()),
    (KR, "policy.non-commercial-or-gated", True, lambda: exaone_dependency()),
    (KR, "policy.non-commercial-or-gated", True, lambda: llama_finetune()),
    (KR, "policy.non-commercial-or-gated", False, lambda: exaone_gptq()),
    (KR, "policy.foreign-governing-law", True, lambda: llama_finetune()),
    (KR, "policy.foreign-governing-law", False, lambda: mistral_dependency()),
    # ethics
    (KR, "ethics.licence-copy-missing", True, lambda: llama_finetune(**{**LLAMA_DUTIES_MET, "detected_licences": ["apache-2.0"]})),
    (KR, "ethics.licence-copy-missing", False, lambda: llama_finetune(**LLAMA_DUTIES_MET)),
    (KR, "ethics.notice-missing", True, lambda: llama_finetune(**{**LLAMA_DUTIES_MET, "notice_text": ""})),
    (KR, "ethics.notice-missing", False, lambda: llama_finetune(**LLAMA_DUTIES_MET)),
    (KR, "ethics.built-with-missing", True, lambda: llama_finetune(**{**LLAMA_DUTIES_MET, "card_text": "A Korean chat model."})),
    (KR, "ethics.built-with-missing", False, lambda: llama_finetune(**LLAMA_DUTIES_MET)),
    # a card text cut short ("…") cannot prove the statement is missing
    (KR, "ethics.built-with-missing", False, lambda: llama_finetune(**{**LLAMA_DUTIES_MET, "card_text": TRUNCATED})),
    (KR, "ethics.duty-unverifiable", True, lambda: llama_finetune(**{**LLAMA_DUTIES_MET, "card_text": TRUNCATED})),
    (KR, "ethics.name-prefix-missing", True, lambda: llama_finetune(name="skt/ko-chat-8b", **LLAMA_DUTIES_MET)),
    (KR, "ethics.name-prefix-missing", False, lambda: llama_finetune(**LLAMA_DUTIES_MET)),
    (KR, "ethics.duty-unverifiable", True, lambda: llama_finetune()),
    (KR, "ethics.duty-unverifiable", False, lambda: llama_finetune(**LLAMA_DUTIES_MET)),
    (KR, "ethics.licence-mismatch", True, lambda: ax31(licence_mismatch=True)),
    (KR, "ethics.licence-mismatch", False, lambda: ax31(licence_mismatch=False)),
    (KR, "ethics.licence-conflict", True, lambda: llama_finetune(licence="apache-2.0", **LLAMA_DUTIES_MET)),
    (KR, "ethics.licence-conflict", False, lambda: llama_finetune(**LLAMA_DUTIES_MET)),
    (KR, "ethics.openness-fully-open", True, lambda: ax31(openness=OPEN_ALL)),
    (KR, "ethics.openness-fully-open", False, lambda: ax31(openness=OPEN_WEIGHTS)),
    (KR, "ethics.openness-open-weights", True, lambda: ax31(openness=OPEN_WEIGHTS)),
    (KR, "ethics.openness-open-weights", False, lambda: ax31(openness=OPEN_ALL)),
    (KR, "ethics.openness-closed", True, lambda: ax31(openness=CLOSED)),
    (KR, "ethics.openness-closed", False, lambda: ax31(openness=OPEN_WEIGHTS)),
    # engine rules (every pack runs them)
    (KR, "engine.unresolved-node", True, lambda: exaone_gptq(base_resolved=False)),
    (KR, "engine.unresolved-node", False, lambda: exaone_gptq()),
    (KR, "engine.unresolved-node", False, lambda: ax31()),  # an unresolved evaluation dataset is no dependency
    (KR, "engine.unresolved-lineage", True, lambda: exaone_gptq(base_resolved=False)),
    (KR, "engine.unresolved-lineage", False, lambda: exaone_gptq()),
    (KR, "engine.unknown-licence", True, lambda: solar_similarity()),  # upstage-solar-license
    (KR, "engine.unknown-licence", False, lambda: ax31()),
    (KR, "engine.unknown-upstream-duties", True, lambda: foreign_unresolved_base()),
    (KR, "engine.unknown-upstream-duties", False, lambda: llama_finetune(**LLAMA_DUTIES_MET)),
    (KR, "engine.no-licence", True, lambda: axk1_code(code_licence=None)),
    (KR, "engine.no-licence", False, lambda: axk1_code()),
    # permissive-only
    (PERM, "perm.non-permissive-licence", True, lambda: llama_finetune()),
    (PERM, "perm.non-permissive-licence", False, lambda: mistral_dependency()),
    (PERM, "perm.restrictive-clauses", True, lambda: dependency_under("kimi-k2-modified-mit", "moonshotai/Kimi-K2-Instruct")),
    (PERM, "perm.restrictive-clauses", False, lambda: axk1_code()),
    (PERM, "perm.data-licence", True, lambda: with_dataset("cc-by-4.0")),
    (PERM, "perm.data-licence", False, lambda: ax31()),
    (PERM, "perm.notice-duties-unmet", True, lambda: axk1_code(detected=["apache-2.0"])),
    (PERM, "perm.notice-duties-unmet", False, lambda: axk1_code(detected=["apache-2.0", "mit"])),
    # commercial-use
    (COMM, "comm.non-commercial", True, lambda: exaone_gptq()),
    (COMM, "comm.non-commercial", False, lambda: ax31()),
    (COMM, "comm.commercial-gate", True, lambda: llama_finetune()),
    (COMM, "comm.commercial-gate", False, lambda: mistral_dependency()),
    (COMM, "comm.revocable-grant", True, lambda: exaone_gptq()),
    (COMM, "comm.revocable-grant", False, lambda: ax31()),
    (COMM, "comm.field-of-use", True, lambda: dependency_under("deepseek-model-1.0", "deepseek-ai/DeepSeek-V3")),
    (COMM, "comm.field-of-use", False, lambda: mistral_dependency()),
    (COMM, "comm.attribution-unmet", True, lambda: llama_finetune(name="skt/ko-chat-8b", **LLAMA_DUTIES_MET)),
    (COMM, "comm.attribution-unmet", False, lambda: llama_finetune(**LLAMA_DUTIES_MET)),
]


@pytest.mark.parametrize(
    "pack,rule,fires,scenario",
    CASES,
    ids=[f"{p}:{r}:{'fires' if f else 'quiet'}:{i}" for i, (p, r, f, _s) in enumerate(CASES)],
)
def test_rule(pack: str, rule: str, fires: bool, scenario: Callable[[], ModelGraph]) -> None:
    evaluation = run(scenario(), pack)
    fired = rules_fired(evaluation)
    assert (rule in fired) is fires, f"{rule} {'did not fire' if fires else 'fired'}; fired: {sorted(fired)}"
    for finding in evaluation.findings:
        assert finding.message and "[message could not be rendered" not in finding.message, finding.message
        assert finding.path and finding.path[0] == scenario().root


def test_every_rule_of_every_pack_has_a_firing_and_a_quiet_case() -> None:
    covered: dict[str, set[bool]] = {}
    for pack, rule, fires, _scenario in CASES:
        covered.setdefault(f"{pack}:{rule}", set()).add(fires)
    missing = []
    for name in available_packs():
        pack = load_pack(name)
        for rule in list(pack.rules):
            if covered.get(f"{name}:{rule.id}") != {True, False}:
                missing.append(f"{name}:{rule.id}")
    for rule in engine_rules(load_pack(KR).parameters):
        if covered.get(f"{KR}:{rule.id}") != {True, False}:
            missing.append(f"engine:{rule.id}")
    assert not missing, f"rules without both a firing and a quiet test: {missing}"
