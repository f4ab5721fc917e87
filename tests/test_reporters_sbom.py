"""SPDX 2.3, SPDX 3.0.1, CycloneDX 1.6 and SARIF 2.1.0 output, checked with the official validators."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import jsonschema
import pytest

from scanner.data import data_dir
from scanner.reporters import ReportOptions, formats, get_reporter

import report_samples as samples
from spdx3_validation import load_spdx3_schema, spdx3_document_errors, spdx3_errors

pytestmark = pytest.mark.skipif(not samples.FIXTURES.is_dir(), reason=f"shared fixtures not found at {samples.FIXTURES}")

SBOM_FORMATS = ("spdx-json", "spdx", "spdx3", "cyclonedx", "sarif")


def render(fmt: str, result) -> bytes:  # type: ignore[no-untyped-def]
    return get_reporter(fmt).render(result, ReportOptions())


@pytest.fixture(scope="module", params=sorted(samples.SAMPLES))
def sample(request):  # type: ignore[no-untyped-def]
    return request.param, samples.SAMPLES[request.param]()


def test_registry_names_and_files() -> None:
    expected = {
        "json": "report.json",
        "md": "report.md",
        "html": "report.html",
        "spdx-json": "report.spdx.json",
        "spdx": "report.spdx",
        "spdx3": "report.spdx3.jsonld",
        "cyclonedx": "report.cdx.json",
        "sarif": "report.sarif",
    }
    assert set(expected) <= set(formats())
    for fmt, filename in expected.items():
        reporter = get_reporter(fmt)
        assert reporter.format == fmt
        assert reporter.filename == filename


# -- SPDX 2.3 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["spdx-json", "spdx"])
def test_spdx2_parses_back_and_validates(fmt: str, sample, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    name, result = sample
    if name == "large" and fmt == "spdx":
        pytest.skip("the tag-value parser needs ~20 s for 60 packages; the JSON round trip covers them")
    path = tmp_path / get_reporter(fmt).filename
    path.write_bytes(render(fmt, result))
    document = parse_file(str(path))
    assert validate_full_spdx_document(document) == []
    assert len(document.packages) == len(result.graph["nodes"])
    described = [r for r in document.relationships if r.relationship_type.name == "DESCRIBES"]
    assert len(described) == 1


def test_spdx2_lineage_and_licence_refs(tmp_path: Path) -> None:
    from spdx_tools.spdx.parser.parse_anything import parse_file

    result = samples.disqualified()
    path = tmp_path / "report.spdx.json"
    path.write_bytes(render("spdx-json", result))
    doc = parse_file(str(path))
    by_id = {p.spdx_id: p for p in doc.packages}
    names = {p.spdx_id: p.name for p in doc.packages}
    descendant = [
        (names[r.spdx_element_id], names[r.related_spdx_element_id])
        for r in doc.relationships
        if r.relationship_type.name == "DESCENDANT_OF"
    ]
    assert ("vision_tower", "Qwen/Qwen2.5-VL-32B-Instruct") in descendant
    contains = [names[r.related_spdx_element_id] for r in doc.relationships if r.relationship_type.name == "CONTAINS"]
    assert {"language_model", "vision_tower", "projector"} <= set(contains)
    target = next(p for p in by_id.values() if p.name == "naver-hyperclovax/HyperCLOVAX-SEED-Think-32B")
    assert str(target.license_concluded) == "LicenseRef-hyperclovax-seed"
    qwen = next(p for p in by_id.values() if p.name == "Qwen/Qwen2.5-VL-32B-Instruct")
    assert str(qwen.license_concluded) == "Apache-2.0"
    extracted = {e.license_id: e for e in doc.extracted_licensing_info}
    assert "LicenseRef-hyperclovax-seed" in extracted
    assert "not reproduced" in extracted["LicenseRef-hyperclovax-seed"].extracted_text
    assert any(a.annotation_comment.startswith("[technical/fail]") for a in doc.annotations)


def test_spdx2_tag_value_cannot_be_injected_from_a_card(tmp_path: Path) -> None:
    from spdx_tools.spdx.parser.parse_anything import parse_file

    payload = "</text>\nPackageName: injected\nSPDXID: SPDXRef-evil\n<text>"
    path = tmp_path / "report.spdx"
    path.write_bytes(render("spdx", samples.disqualified(payload=payload)))
    document = parse_file(str(path))
    assert len(document.packages) == len(samples.disqualified().graph["nodes"])
    assert not any(p.spdx_id == "SPDXRef-evil" for p in document.packages)
    assert any("PackageName: injected" in p.name for p in document.packages)  # kept, as text


# -- SPDX 3.0.1 -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spdx3_schema() -> dict:
    return load_spdx3_schema()


def test_spdx3_valid_against_pinned_schema(sample, spdx3_schema) -> None:  # type: ignore[no-untyped-def]
    _name, result = sample
    assert spdx3_document_errors(spdx3_schema, json.loads(render("spdx3", result))) == []


def test_spdx3_pure_python_validator_agrees(spdx3_schema) -> None:  # type: ignore[no-untyped-def]
    """A second, independent implementation (python-jsonschema) on the sample with datasets,
    licences and the no-assertion licence (it needs ~0.3 s per element, so one sample)."""
    assert spdx3_errors(spdx3_schema, json.loads(render("spdx3", samples.passing()))) == []


def test_spdx3_schema_rejects_a_bad_document(spdx3_schema) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(render("spdx3", samples.quantized()))
    document["@graph"] = [e for e in document["@graph"] if e["type"] in ("CreationInfo", "ai_AIPackage")]
    package = next(e for e in document["@graph"] if e["type"] == "ai_AIPackage")
    package["software_primaryPurpose"] = "weights"
    dataset = dict(package, type="dataset_DatasetPackage")
    document["@graph"] += [dataset]
    errors = spdx3_errors(spdx3_schema, document)
    assert any("weights" in e for e in errors)
    assert any("dataset_datasetType" in e for e in errors)
    assert spdx3_document_errors(spdx3_schema, document) != []


def test_spdx3_loads_in_the_spdx_bindings(sample) -> None:  # type: ignore[no-untyped-def]
    """The SPDX project's generated 3.0.1 bindings type-check every property on load and its
    serialiser enforces required properties and cardinalities."""
    model = pytest.importorskip("spdx_python_model").v3_0_1
    _name, result = sample
    objects = model.SHACLObjectSet()
    model.JSONLDDeserializer().read(io.BytesIO(render("spdx3", result)), objects)
    assert objects.link() == set()  # every reference resolves
    model.JSONLDSerializer().write(objects, io.BytesIO())


def test_spdx3_bindings_reject_a_bad_relationship_type() -> None:
    model = pytest.importorskip("spdx_python_model").v3_0_1
    data = json.loads(render("spdx3", samples.disqualified()))
    for element in data["@graph"]:
        if element.get("type") == "Relationship":
            element["relationshipType"] = "inheritsFrom"
            break
    with pytest.raises(Exception):
        model.JSONLDDeserializer().deserialize_data(data, model.SHACLObjectSet())


def test_spdx3_ai_profile_content() -> None:
    data = json.loads(render("spdx3", samples.disqualified()))
    graph = data["@graph"]
    by_id = {e.get("@id"): e for e in graph if "@id" in e}
    ai = [e for e in graph if e["type"] == "ai_AIPackage"]
    assert {e["name"] for e in ai} >= {"naver-hyperclovax/HyperCLOVAX-SEED-Think-32B", "vision_tower", "Qwen/Qwen2.5-VL-32B-Instruct"}
    rels = [e for e in graph if e["type"] == "Relationship"]
    ancestor = [(by_id[r["from"]]["name"], by_id[r["to"][0]]["name"]) for r in rels if r["relationshipType"] == "ancestorOf"]
    assert ("Qwen/Qwen2.5-VL-32B-Instruct", "vision_tower") in ancestor
    for pkg in ai:  # AI profile conformance: exactly one concluded and one declared licence each
        for rtype in ("hasConcludedLicense", "hasDeclaredLicense"):
            assert sum(1 for r in rels if r["from"] == pkg["@id"] and r["relationshipType"] == rtype) == 1
    document = next(e for e in graph if e["type"] == "SpdxDocument")
    assert {"ai", "dataset"} <= set(document["profileConformance"])
    expressions = {e["simplelicensing_licenseExpression"] for e in graph if e["type"] == "simplelicensing_LicenseExpression"}
    assert expressions == {"Apache-2.0", "LicenseRef-hyperclovax-seed"}


def test_spdx3_datasets_and_tested_on() -> None:
    data = json.loads(render("spdx3", samples.passing()))
    graph = data["@graph"]
    by_id = {e.get("@id"): e for e in graph if "@id" in e}
    datasets = {e["name"] for e in graph if e["type"] == "dataset_DatasetPackage"}
    assert datasets == {"HAERAE-HUB/KMMLU", "hails/mmlu_no_train"}
    tested = [(by_id[r["from"]]["name"], by_id[r["to"][0]]["name"]) for r in graph
              if r["type"] == "Relationship" and r["relationshipType"] == "testedOn"]
    assert ("skt/A.X-3.1", "HAERAE-HUB/KMMLU") in tested
    assert not any(r.get("relationshipType") == "trainedOn" for r in graph)  # eval data is not training data
    trained = json.loads(render("spdx3", samples.large()))["@graph"]
    assert any(r.get("relationshipType") == "trainedOn" for r in trained)


# -- CycloneDX 1.6 ----------------------------------------------------------------------------


def test_cyclonedx_valid_with_the_library_validator(sample) -> None:  # type: ignore[no-untyped-def]
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    _name, result = sample
    text = render("cyclonedx", result).decode("utf-8")
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    bom = json.loads(text)
    assert bom["specVersion"] == "1.6"
    for comp in [bom["metadata"]["component"], *bom.get("components", [])]:
        for entry in comp.get("licenses", []):
            lic = entry["license"]
            assert "id" in lic or "name" in lic
            assert lic.get("id") not in ("unknown", "other", "NOASSERTION")


def test_cyclonedx_lineage_model_card_and_named_licences() -> None:
    bom = json.loads(render("cyclonedx", samples.disqualified()))
    comps = {c["name"]: c for c in bom["components"]}
    tower = comps["vision_tower"]
    assert tower["type"] == "machine-learning-model"
    assert [a["name"] for a in tower["pedigree"]["ancestors"]] == ["Qwen/Qwen2.5-VL-32B-Instruct"]
    assert tower["modelCard"]["modelParameters"]["architectureFamily"] == "qwen2_5_vl"
    assert any("technical/fail" in t for t in tower["modelCard"]["considerations"]["technicalLimitations"])
    target = bom["metadata"]["component"]
    assert target["type"] == "machine-learning-model"
    licence = target["licenses"][0]["license"]
    assert "id" not in licence and licence["acknowledgement"] == "concluded"
    assert licence["name"] in ("hyperclovax-seed", "HyperCLOVA X SEED Model License Agreement")
    deps = {d["ref"]: d.get("dependsOn", []) for d in bom["dependencies"]}
    assert "node:model:Qwen/Qwen2.5-VL-32B-Instruct" in deps[tower["bom-ref"]]
    passing = json.loads(render("cyclonedx", samples.passing()))
    data = [c for c in passing["components"] if c["type"] == "data"]
    assert data and all(c["data"][0]["type"] == "dataset" for c in data)


# -- SARIF 2.1.0 ------------------------------------------------------------------------------


def _sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((data_dir("schema") / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_sarif_valid_against_pinned_schema(sample) -> None:  # type: ignore[no-untyped-def]
    _name, result = sample
    log = json.loads(render("sarif", result))
    errors = list(_sarif_validator().iter_errors(log))
    assert errors == [], [e.message[:300] for e in errors[:3]]
    assert len(log["runs"][0]["results"]) == len(result.findings)


def test_sarif_schema_rejects_a_bad_level() -> None:
    log = json.loads(render("sarif", samples.disqualified()))
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert list(_sarif_validator().iter_errors(log))


def test_sarif_levels_locations_rules_and_suppressions() -> None:
    log = json.loads(render("sarif", samples.disqualified()))
    run = log["runs"][0]
    results = {r["ruleId"]: r for r in run["results"]}
    tech = results["technical.inherited-component-weights"]
    assert tech["level"] == "error"
    first = tech["locations"][0]["physicalLocation"]
    assert first["artifactLocation"]["uri"] == "vision_encoder_config.omniserve_32b_cont_config.yaml"
    assert first["region"]["startLine"] == 45
    assert results["policy.foreign-controlled-dependency"]["level"] == "warning"
    waived = results["policy.remote-code-origin"]
    assert waived["suppressions"][0]["status"] == "accepted"
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["locations"], "GitHub code scanning needs a location on every result"
    assert rules[[r["id"] for r in rules].index("technical.inherited-component-weights")]["help"]["text"].startswith("Train")
    info = json.loads(render("sarif", samples.passing()))["runs"][0]["results"]
    assert info[0]["level"] == "note"


def test_sarif_graph_evidence_is_a_logical_location() -> None:
    from scanner.model import Evidence
    from scanner.reporters.sarif import _locations

    node = "weights:org/model#vision_tower"
    finding = dataclasses.replace(
        samples.disqualified().findings[0],
        evidence=(Evidence(path=f"graph:{node}", key="weights_origin", excerpt="inherited"),),
    )
    locations = _locations(finding, {})
    assert locations[0]["logicalLocations"][0]["fullyQualifiedName"] == node
    assert locations[-1]["physicalLocation"]["artifactLocation"]["uri"] == "README.md"


# -- determinism ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", SBOM_FORMATS)
def test_byte_identical_for_the_same_input(fmt: str) -> None:
    assert render(fmt, samples.disqualified()) == render(fmt, samples.disqualified())


@pytest.mark.parametrize("fmt", SBOM_FORMATS)
def test_only_timestamps_change_with_the_generation_time(fmt: str) -> None:
    first = samples.disqualified()
    later = dataclasses.replace(first, generated="2027-01-02T03:04:05Z")
    a = render(fmt, first).decode("utf-8").splitlines()
    b = render(fmt, later).decode("utf-8").splitlines()
    assert len(a) == len(b)
    changed = [(x, y) for x, y in zip(a, b) if x != y]
    assert changed, "the generation time must appear in the document"
    for x, y in changed:
        assert "2026-11-20" in x and "2027-01-02" in y, (x, y)


def test_byte_identical_across_processes_and_hash_seeds() -> None:
    """Set and dict ordering must not leak into any format: render every format of the
    disqualified and 60-node samples in processes with different hash seeds."""
    import os
    import subprocess
    import sys

    code = (
        "import hashlib, sys; sys.path.insert(0, 'tests')\n"
        "import report_samples as rs\n"
        "from scanner.reporters import ReportOptions, formats, get_reporter\n"
        "for name in ('disqualified', 'large'):\n"
        "    for fmt in formats():\n"
        "        out = get_reporter(fmt).render(rs.SAMPLES[name](), ReportOptions(lang='ko' if fmt in ('md', 'html') else 'en'))\n"
        "        print(name, fmt, hashlib.sha256(out).hexdigest())\n"
    )
    root = Path(__file__).resolve().parents[1]
    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        run = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) == 2 * len(formats())
