"""Scan results built by hand from the real fixture evidence, for the reporter tests.

The reporters only read a `ScanResult`; these samples let them be tested before (and beside) the
scan pipeline. The facts come from `../shared/fixtures/` (see each fixture's SOURCE.md): the
HyperCLOVAX-SEED-Think-32B vision tower is Qwen2.5-VL's (OmniServe config `model_type:
qwen2_5_vl`, review notes quoting `vision_model_name_or_path`), A.X-3.1 cites evaluation datasets
in its model-index, EXAONE-4.0-32B-GPTQ is a quantization of LG's own base. The waiver and the
hostile strings are test inputs, not claims about those models.
"""

from __future__ import annotations

from pathlib import Path

from scanner.graph import Edge, ModelGraph, Node, NodeKind, Relation
from scanner.model import (
    Criterion,
    Evidence,
    Finding,
    Outcome,
    ScanIssue,
    ScanResult,
    Severity,
    Target,
    Verdict,
    Waiver,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURES = SHARED / "fixtures"
HCX32 = FIXTURES / "naver-hyperclovax__HyperCLOVAX-SEED-Think-32B"
GENERATED = "2026-11-20T09:30:00Z"

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"


def _line_of(path: Path, needle: str) -> tuple[int, str]:
    """Line number (1-based) and text of the first line of `path` that contains `needle`."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number, line.strip()
    raise AssertionError(f"{needle!r} not in {path}")


def _result(graph: ModelGraph, target: Target, findings: list[Finding], issues: list[ScanIssue],
            outcomes: dict[Criterion, Outcome], reasons: dict[Criterion, str]) -> ScanResult:
    return ScanResult(
        tool_version="0.1.0",
        target=target,
        policy_id="kr-sovereign-2026",
        policy_version="2026.1",
        verdict=Verdict.combine(outcomes, reasons),
        graph=graph.to_dict(),
        findings=findings,
        scan_issues=issues,
        generated=GENERATED,
    )


def disqualified(name: str = "HyperCLOVAX-SEED-Think-32B", payload: str = "") -> ScanResult:
    """The disqualified case: a Korean VLM whose vision tower is Qwen2.5-VL-32B's.

    `payload` is appended to names, excerpts, messages and reasons (for the escaping tests)."""
    target_id = f"model:naver-hyperclovax/{name}"
    yaml_path = HCX32 / "vision_encoder_config.omniserve_32b_cont_config.yaml"
    notes_path = HCX32 / "omniserve_MODEL_REVIEW_NOTES.md"
    prefixes_path = HCX32 / "omniserve_model_converter_weight_prefixes.md"
    mt_line, mt_text = _line_of(yaml_path, "model_type:")
    arch_line, _ = _line_of(yaml_path, "architectures:")
    notes_line, notes_text = _line_of(notes_path, "vision_model_name_or_path")
    prefix_line, prefix_text = _line_of(prefixes_path, "model.vision_model.")
    tf_line, tf_text = _line_of(yaml_path, "transformers_version:")

    ev_model_type = Evidence(
        path=yaml_path.name,
        line=mt_line,
        key="model_type",
        excerpt=mt_text + payload,
        repo="github.com/NAVER-Cloud-HyperCLOVA-X/OmniServe",
        detail={"tensor_prefixes": ["model.vision_model."], "architectures": ["Qwen2_5_VisionTransformerPretrainedModel"],
                "depth": 32, "hidden_size": 1280, "out_hidden_size": 5120},
    )
    ev_notes = Evidence(path=notes_path.name, line=notes_line, key="vision_model_name_or_path",
                        excerpt=notes_text, repo="github.com/NAVER-Cloud-HyperCLOVA-X/OmniServe")
    ev_prefix = Evidence(path=prefixes_path.name, line=prefix_line, key="model.vision_model.",
                         excerpt=prefix_text, detail={"tensors": ["model.vision_model.", "model.mm_projector."]})

    g = ModelGraph()
    g.add_node(Node(
        id=target_id, kind=NodeKind.MODEL, name=f"naver-hyperclovax/{name}" + payload,
        supplier="naver-hyperclovax", country="KR", licence="hyperclovax-seed",
        attributes={"is_target": True, "declared_licence": "other", "licence_name": "hyperclovax-seed",
                    "licence_link": "LICENSE", "licence_known": False, "architectures": ["HCXVisionForCausalLM"],
                    "openness": {"weights": True, "code": True, "data_card": False, "training_logs": False}},
    ))
    g.root = target_id
    lm = g.add_node(Node(
        id=f"weights:{target_id}#language_model", kind=NodeKind.WEIGHTS, name="language_model",
        supplier="naver-hyperclovax", country="KR", licence="hyperclovax-seed",
        attributes={"component": "language_model", "weights_origin": "own", "tensor_prefixes": ["model.language_model."],
                    "origin_family": "hyperclovax"},
    ))
    vt = g.add_node(Node(
        id=f"weights:{target_id}#vision_tower", kind=NodeKind.WEIGHTS, name="vision_tower" + payload,
        supplier="Qwen", country="CN", licence="apache-2.0", evidence=[ev_model_type],
        attributes={"component": "vision_tower", "model_type": "qwen2_5_vl",
                    "architectures": ["Qwen2_5_VisionTransformerPretrainedModel"], "origin_family": "qwen2.5-vl",
                    "origin_org": "Alibaba Cloud", "origin_country": "CN", "weights_origin": "inherited",
                    "tensor_prefixes": ["model.vision_model."], "config_key": "vision_config"},
    ))
    proj = g.add_node(Node(
        id=f"weights:{target_id}#projector", kind=NodeKind.WEIGHTS, name="projector",
        supplier="naver-hyperclovax", country="KR", licence="hyperclovax-seed",
        attributes={"component": "projector", "weights_origin": "unknown", "tensor_prefixes": ["model.mm_projector."]},
    ))
    qwen = g.add_node(Node(
        id="model:Qwen/Qwen2.5-VL-32B-Instruct", kind=NodeKind.MODEL, name="Qwen/Qwen2.5-VL-32B-Instruct",
        supplier="Qwen", country="CN", licence="apache-2.0", resolved=False,
        evidence=[Evidence(path="README.md", key="license", excerpt="license: apache-2.0",
                           repo="Qwen/Qwen2.5-VL-32B-Instruct")],
        attributes={"declared_licence": "apache-2.0", "library_name": "transformers"},
    ))
    code = g.add_node(Node(
        id="code:github.com/NAVER-Cloud-HyperCLOVA-X/OmniServe", kind=NodeKind.CODE, name="OmniServe",
        supplier="NAVER Cloud", country="KR", licence=None,
        attributes={"revision": "ae0d33fe61773e099b5c221afed4bc23949181ed"},
    ))
    pkg = g.add_node(Node(
        id="package:pypi/transformers", kind=NodeKind.PACKAGE, name="transformers",
        supplier="Hugging Face", country="US", licence="apache-2.0",
        evidence=[Evidence(path=yaml_path.name, line=tf_line, key="transformers_version", excerpt=tf_text)],
        attributes={"version": "4.56.1"},
    ))
    for comp in (lm, vt, proj):
        g.add_edge(Edge(target_id, comp.id, Relation.CONTAINS))
    g.add_edge(Edge(vt.id, qwen.id, Relation.REUSES_WEIGHTS_OF, evidence=[ev_model_type, ev_notes], confidence=0.95))
    g.add_edge(Edge(target_id, code.id, Relation.RUNS_REMOTE_CODE_OF, confidence=0.6))
    g.add_edge(Edge(target_id, pkg.id, Relation.DEPENDS_ON, evidence=list(pkg.evidence)))

    findings = [
        Finding(
            id="F-technical-inherited-vision-tower", rule="technical.inherited-component-weights",
            criterion=Criterion.TECHNICAL, severity=Severity.FAIL, confidence=0.95, node=vt.id,
            message="The vision tower is Qwen2.5-VL's vision transformer (model_type qwen2_5_vl); its weights "
                    "were initialised from Qwen/Qwen2.5-VL-32B-Instruct, so the model is not trained from scratch."
                    + payload,
            evidence=(ev_model_type, ev_notes, ev_prefix), path=(target_id, vt.id, qwen.id),
            remediation="Train the vision encoder from scratch, or declare the inherited component and its licence.",
            source="criteria.md §Technical: no inherited weights",
        ),
        Finding(
            id="F-policy-foreign-component", rule="policy.foreign-controlled-dependency",
            criterion=Criterion.POLICY, severity=Severity.REVIEW, confidence=0.9, node=qwen.id,
            message="A component comes from a foreign-controlled model (Alibaba Cloud, CN) under apache-2.0; "
                    "the licence is not revocable, but the dependency is foreign.",
            evidence=(qwen.evidence[0],), path=(target_id, vt.id, qwen.id),
            remediation="Reviewer to confirm that an irrevocable foreign licence is acceptable.",
            source="criteria.md §Policy",
        ),
        Finding(
            id="F-policy-licence-unknown", rule="policy.licence-text-unknown",
            criterion=Criterion.POLICY, severity=Severity.REVIEW, confidence=0.7, node=target_id,
            message="The target's licence hyperclovax-seed is not in the knowledge base; whether it can be "
                    "revoked or amended needs its text.",
            remediation="Add the licence text to the repository so its clauses can be checked.",
        ),
        Finding(
            id="F-ethics-notice", rule="ethics.upstream-notice-kept",
            criterion=Criterion.ETHICS, severity=Severity.REVIEW, confidence=0.6, node=vt.id,
            message="apache-2.0 requires keeping the upstream NOTICE/attribution; no NOTICE file was found.",
            evidence=(ev_prefix,), remediation="Ship a NOTICE crediting Qwen2.5-VL.",
        ),
        Finding(
            id="F-policy-remote-code", rule="policy.remote-code-origin",
            criterion=Criterion.POLICY, severity=Severity.REVIEW, confidence=0.5, node=code.id,
            message="The model runs remote code whose origin is not verified.",
            waived=True,
            waiver=Waiver(rule="policy.remote-code-origin", node=code.id,
                          reason="Serving code is the lab's own public repository.",
                          approver="review-board@example.org", expires="2027-06-30"),
        ),
    ]
    issues = [
        ScanIssue(path="config.json", problem="config.json was not found in the repository" + payload, node=target_id),
        ScanIssue(path="LICENSE", problem="LICENSE text not collected; the licence cannot be checked clause by clause"),
    ]
    outcomes = {Criterion.TECHNICAL: Outcome.FAIL, Criterion.POLICY: Outcome.REVIEW, Criterion.ETHICS: Outcome.REVIEW}
    reasons = {
        Criterion.TECHNICAL: "vision_tower reuses the weights of Qwen/Qwen2.5-VL-32B-Instruct (model_type qwen2_5_vl)" + payload,
        Criterion.POLICY: "foreign-controlled component under apache-2.0; target licence not in the knowledge base",
        Criterion.ETHICS: "upstream NOTICE for Qwen2.5-VL not found",
    }
    return _result(g, Target(ref=f"naver-hyperclovax/{name}", source="local", revision=None), findings, issues, outcomes, reasons)


def hostile() -> ScanResult:
    """The disqualified case with script and onerror payloads in every user-controlled string."""
    return disqualified(name="HyperCLOVAX" + XSS_SCRIPT, payload=" " + XSS_SCRIPT + XSS_IMG)


def passing() -> ScanResult:
    """skt/A.X-3.1: trained from scratch per its card; model-index datasets are evaluation only."""
    target_id = "model:skt/A.X-3.1"
    g = ModelGraph()
    g.add_node(Node(
        id=target_id, kind=NodeKind.MODEL, name="skt/A.X-3.1", supplier="skt", country="KR", licence="apache-2.0",
        evidence=[Evidence(path="README.md", key="license", excerpt="license: apache-2.0")],
        attributes={"is_target": True, "declared_licence": "apache-2.0",
                    "licence_link": "https://huggingface.co/skt/A.X-3.1/blob/main/LICENSE", "library_name": "transformers"},
    ))
    g.root = target_id
    for ds in ("HAERAE-HUB/KMMLU", "hails/mmlu_no_train"):
        g.add_node(Node(id=f"dataset:{ds}", kind=NodeKind.DATASET, name=ds, supplier=ds.split("/")[0],
                        country="KR" if ds.startswith("HAERAE") else None, resolved=False))
        g.add_edge(Edge(target_id, f"dataset:{ds}", Relation.EVALUATED_ON,
                        evidence=[Evidence(path="README.md", key="model-index.results.dataset.type", excerpt=f"type: {ds}")]))
    findings = [
        Finding(id="F-info-eval", rule="technical.eval-datasets-not-training", criterion=Criterion.TECHNICAL,
                severity=Severity.INFO, confidence=1.0, node=target_id,
                message="model-index datasets are evaluation data, not training data."),
    ]
    outcomes = {c: Outcome.PASS for c in Criterion}
    reasons = {Criterion.TECHNICAL: "no base model declared; card says trained from scratch",
               Criterion.POLICY: "apache-2.0 from a domestic supplier", Criterion.ETHICS: "no obligation unmet"}
    return _result(g, Target(ref="skt/A.X-3.1", source="local"), findings, [], outcomes, reasons)


def quantized() -> ScanResult:
    """LGAI-EXAONE/EXAONE-4.0-32B-GPTQ: a quantization of LG's own base under the custom `exaone` licence."""
    target_id = "model:LGAI-EXAONE/EXAONE-4.0-32B-GPTQ"
    base_id = "model:LGAI-EXAONE/EXAONE-4.0-32B"
    g = ModelGraph()
    card = Evidence(path="README.md", key="base_model", excerpt="base_model: LGAI-EXAONE/EXAONE-4.0-32B")
    g.add_node(Node(id=target_id, kind=NodeKind.MODEL, name="LGAI-EXAONE/EXAONE-4.0-32B-GPTQ", supplier="LGAI-EXAONE",
                    country="KR", licence="exaone", evidence=[card],
                    attributes={"is_target": True, "declared_licence": "other", "licence_name": "exaone",
                                "base_models": ["LGAI-EXAONE/EXAONE-4.0-32B"], "base_model_relation": "quantized",
                                "tags": ["lg-ai", "exaone", "exaone-4.0"]}))
    g.root = target_id
    g.add_node(Node(id=base_id, kind=NodeKind.MODEL, name="LGAI-EXAONE/EXAONE-4.0-32B", supplier="LGAI-EXAONE",
                    country="KR", licence="exaone", resolved=False))
    g.add_node(Node(id="tokenizer:LGAI-EXAONE/EXAONE-4.0-32B-GPTQ", kind=NodeKind.TOKENIZER, name="tokenizer",
                    supplier="LGAI-EXAONE", country="KR", licence="exaone"))
    g.add_edge(Edge(target_id, base_id, Relation.QUANTIZED_OF, evidence=[card]))
    g.add_edge(Edge(target_id, "tokenizer:LGAI-EXAONE/EXAONE-4.0-32B-GPTQ", Relation.CONTAINS))
    findings = [
        Finding(id="F-tech-quantized", rule="technical.declared-base-model", criterion=Criterion.TECHNICAL,
                severity=Severity.REVIEW, confidence=0.9, node=base_id,
                message="Quantized from LGAI-EXAONE/EXAONE-4.0-32B (same organisation): lineage is domestic.",
                evidence=(card,), path=(target_id, base_id)),
        Finding(id="F-policy-exaone", rule="policy.licence-text-unknown", criterion=Criterion.POLICY,
                severity=Severity.REVIEW, confidence=0.6, node=target_id,
                message="Revocability of the exaone licence needs its text."),
    ]
    outcomes = {Criterion.TECHNICAL: Outcome.REVIEW, Criterion.POLICY: Outcome.REVIEW, Criterion.ETHICS: Outcome.PASS}
    return _result(g, Target(ref="LGAI-EXAONE/EXAONE-4.0-32B-GPTQ", source="local"), findings,
                   [ScanIssue(path="LICENSE", problem="LICENSE not collected")], outcomes,
                   {Criterion.TECHNICAL: "declared base model of the same organisation"})


def large(n_nodes: int = 60) -> ScanResult:
    """A generated graph of `n_nodes` nodes (a merge of many fine-tunes, datasets and packages) for the
    readability and scale checks: several layers, one wider than a page row."""
    target_id = "model:example-lab/merged-model"
    g = ModelGraph()
    g.add_node(Node(id=target_id, kind=NodeKind.MODEL, name="example-lab/merged-model", supplier="example-lab",
                    country="KR", licence="apache-2.0", attributes={"is_target": True, "revision": "0" * 40}))
    g.root = target_id
    countries = ["KR", "US", "CN", "FR", None]
    licences = ["apache-2.0", "mit", "llama3.1", "tongyi-qianwen", "cc-by-nc-4.0", "custom-lab-licence"]
    i = 1
    parents: list[str] = []
    while len(g) < n_nodes:
        kind = (NodeKind.MODEL, NodeKind.DATASET, NodeKind.PACKAGE, NodeKind.WEIGHTS)[i % 4]
        nid = f"{kind}:org{i % 7}/component-with-a-rather-long-name-{i:02d}"
        g.add_node(Node(id=nid, kind=kind, name=nid.split(":", 1)[1], supplier=f"org{i % 7}",
                        country=countries[i % len(countries)], licence=licences[i % len(licences)],
                        resolved=i % 5 != 0, attributes={"revision": f"{i:040x}"} if i % 3 == 0 else {}))
        source = target_id if i <= 14 or not parents else parents[(i * 7) % len(parents)]
        relation = {NodeKind.MODEL: Relation.MERGE_OF, NodeKind.DATASET: Relation.TRAINED_ON,
                    NodeKind.PACKAGE: Relation.DEPENDS_ON, NodeKind.WEIGHTS: Relation.CONTAINS}[kind]
        g.add_edge(Edge(source, nid, relation, confidence=0.5 + (i % 5) / 10))
        if kind == NodeKind.MODEL:
            parents.append(nid)
        i += 1
    findings = [
        Finding(id=f"F-{j}", rule="policy.revocable-licence", criterion=Criterion.POLICY, severity=Severity.FAIL,
                confidence=0.8, node=nid, message=f"{nid} is under a licence the licensor can terminate.")
        for j, nid in enumerate(sorted(n["id"] for n in g.to_dict()["nodes"] if n["licence"] == "llama3.1"))
    ]
    outcomes = {Criterion.TECHNICAL: Outcome.FAIL, Criterion.POLICY: Outcome.FAIL, Criterion.ETHICS: Outcome.REVIEW}
    return _result(g, Target(ref="example-lab/merged-model", source="local", revision="0" * 40), findings, [],
                   outcomes, {Criterion.TECHNICAL: "merge of foreign models"})


SAMPLES = {
    "disqualified": disqualified,
    "hostile": hostile,
    "passing": passing,
    "quantized": quantized,
    "large": large,
}
