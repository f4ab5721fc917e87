"""The licence knowledge base: every file valid, every verified quote real, lookups and CLI.

Quotes marked `verified: true` are checked against the stored licence texts in
`../shared/licence-texts/` and `../shared/bench-corpus/` (the map below says which text backs
which key), after folding whitespace, typographic quotes and Markdown emphasis.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from scanner.cli.licences import licences as licences_group
from scanner.cli.main import cli
from scanner.licences import (
    FACT_NAMES,
    KnowledgeBaseError,
    knowledge,
    licensors,
    load_knowledge,
    load_licensors,
)

REPO = Path(__file__).resolve().parents[1]
LICENCES = REPO / "licences"
SCHEMA = REPO / "schema"
SHARED = REPO.parent / "shared"

# Knowledge-base key -> stored text(s) its verified quotes come from (relative to ../shared).
_LT = "licence-texts/"
_SPDX = "bench-corpus/spdx/"
_AI = "bench-corpus/ai/"
TEXTS: dict[str, list[str]] = {
    "llama2": [_LT + "llama2.txt"],
    "llama2-aup": [_LT + "llama2-aup.txt"],
    "llama3": [_LT + "llama3.txt"],
    "llama3-aup": [_LT + "llama3-aup.txt"],
    "llama3.1": [_LT + "llama3.1.txt"],
    "llama3.1-aup": [_LT + "llama3.1-aup.txt"],
    "llama3.2": [_LT + "llama3.2.txt"],
    "llama3.2-aup": [_LT + "llama3.2-aup.txt"],
    "llama3.3": [_LT + "llama3.3.txt"],
    "llama3.3-aup": [_LT + "llama3.3-aup.txt"],
    "llama4": [_LT + "llama4.txt"],
    "llama4-aup": [_LT + "llama4-aup.txt"],
    "gemma-2024-04-01": [_LT + "gemma-2024-04-01.txt"],
    "gemma-2025-03-24": [_LT + "gemma-2025-03-24.txt"],
    "gemma-2026-04-01": [_LT + "gemma-2026-04-01.txt"],
    "gemma-pup": [_LT + "gemma-pup.txt"],
    "tongyi-qianwen": [_LT + "tongyi-qianwen.txt"],
    "tongyi-qianwen-research": [_LT + "tongyi-qianwen-research.txt"],
    "qwen": [_LT + "qwen.txt"],
    "qwen-research": [_LT + "qwen-research.txt"],
    "deepseek-model-1.0": [_LT + "deepseek-model-v1.0.txt"],
    "codegeex4": [_LT + "codegeex4-glm4-family.txt"],
    "yi-community-2.1": [_LT + "yi-community-2.1.txt"],
    "baichuan2-community": [_LT + "baichuan2-community-summary.txt"],
    "exaone-1.1": [_LT + "exaone-1.1.txt"],
    "exaone-1.2": [_LT + "exaone-1.2.txt"],
    "hyperclovax-seed": [_LT + "hyperclovax-seed.txt"],
    "falcon2-11b-tii-1.0": [_LT + "falcon2-11b-tii-1.0.txt"],
    "nvidia-open-model": [_LT + "nvidia-open-model-2025-04-28.txt"],
    "stability-ai-community": [_LT + "stability-ai-community-2024.txt"],
    "creativeml-openrail-m": [_LT + "creativeml-openrail-m.txt"],
    "creativeml-openrail-pp-m": [_LT + "creativeml-openrail-pp-m.txt"],
    "bigscience-openrail-m": [_LT + "bigscience-openrail-m.txt"],
    "bigscience-bloom-rail-1.0": [_LT + "bigscience-bloom-rail-1.0.txt"],
    "bigcode-openrail-m": [_AI + "bigcode-open-rail-m-v1.txt"],
    "fair-ai-public-1.0": [_AI + "fair-ai-public-1.0.txt"],
    "openatom-model-1.0": [_AI + "openatom-model-1.0.txt"],
    "apache-2.0": [_SPDX + "Apache-2.0.txt"],
    "mit": [_SPDX + "MIT.txt"],
    "bsd-2-clause": [_SPDX + "BSD-2-Clause.txt"],
    "bsd-3-clause": [_SPDX + "BSD-3-Clause.txt"],
    "gpl-2.0": [_SPDX + "GPL-2.0-only.txt"],
    "gpl-3.0": [_SPDX + "GPL-3.0-only.txt"],
    "lgpl-2.1": [_SPDX + "LGPL-2.1-only.txt"],
    "lgpl-3.0": [_SPDX + "LGPL-3.0-only.txt"],
    "agpl-3.0": [_SPDX + "AGPL-3.0-only.txt"],
    "mpl-2.0": [_SPDX + "MPL-2.0.txt"],
    "cc0-1.0": [_SPDX + "CC0-1.0.txt"],
    "cc-by-4.0": [_SPDX + "CC-BY-4.0.txt"],
    "cc-by-sa-4.0": [_SPDX + "CC-BY-SA-4.0.txt"],
    "cc-by-nc-4.0": [_SPDX + "CC-BY-NC-4.0.txt"],
    "cc-by-nc-sa-4.0": [_SPDX + "CC-BY-NC-SA-4.0.txt"],
    "cc-by-nd-4.0": [_SPDX + "CC-BY-ND-4.0.txt"],
    "cc-by-nc-nd-4.0": [_SPDX + "CC-BY-NC-ND-4.0.txt"],
    "cdla-permissive-2.0": [_SPDX + "CDLA-Permissive-2.0.txt"],
    "cdla-sharing-1.0": [_SPDX + "CDLA-Sharing-1.0.txt"],
    "odc-by-1.0": [_SPDX + "ODC-By-1.0.txt"],
    "odbl-1.0": [_SPDX + "ODbL-1.0.txt"],
    "pddl-1.0": [_SPDX + "PDDL-1.0.txt"],
    "unlicense": [_SPDX + "Unlicense.txt"],
    "openmdw-1.0": [_SPDX + "OpenMDW-1.0.txt"],
}

REQUIRED_KEYS = """
llama2 llama3 llama3.1 llama3.2 llama3.3 llama4 llama2-aup llama3-aup llama3.1-aup llama3.2-aup
llama3.3-aup llama4-aup gemma-2024-04-01 gemma-2025-03-24 gemma-2026-04-01 gemma-pup tongyi-qianwen
tongyi-qianwen-research qwen qwen-research deepseek-model-1.0 codegeex4 yi-community-2.1
baichuan2-community internlm minimax-01 kimi-k2-modified-mit falcon2-11b-tii-1.0 nvidia-open-model
creativeml-openrail-m creativeml-openrail-pp-m bigscience-openrail-m bigscience-bloom-rail-1.0
bigcode-openrail-m exaone-1.1 exaone-1.2 hyperclovax-seed stability-ai-community fair-ai-public-1.0
openatom-model-1.0 apache-2.0 mit bsd-2-clause bsd-3-clause gpl-2.0 gpl-3.0 lgpl-2.1 lgpl-3.0
agpl-3.0 mpl-2.0 cc0-1.0 cc-by-4.0 cc-by-sa-4.0 cc-by-nc-4.0 cc-by-nc-sa-4.0 cc-by-nd-4.0
cc-by-nc-nd-4.0 cdla-permissive-2.0 cdla-sharing-1.0 odc-by-1.0 odbl-1.0 pddl-1.0 openmdw-1.0
unlicense
""".split()

_TYPOGRAPHIC = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "*": None, "\\": None})


def _fold(text: str) -> str:
    """Whitespace-, typographic-quote- and Markdown-emphasis-insensitive form of a text."""
    return re.sub(r"\s+", " ", text.translate(_TYPOGRAPHIC)).strip()


def _licence_files() -> list[Path]:
    return sorted(p for p in LICENCES.glob("*.yaml") if p.name != "licensors.yaml")


@functools.lru_cache(maxsize=None)
def _raw(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _verified_quotes() -> list[tuple[str, str, str, str]]:
    """(file, fact, source key, quote) for every verified quote, including governing-law quotes."""
    out = []
    for path in _licence_files():
        data = _raw(path)
        for name, fact in data["facts"].items():
            if fact.get("verified"):
                out.append((path.name, name, fact.get("quote_from") or data["key"], fact["quote"]))
        law = data["governing_law"]
        if law.get("verified") and law.get("quote"):
            out.append((path.name, "governing_law", data["key"], law["quote"]))
    return out


@pytest.fixture(scope="module")
def shared_texts() -> Path:
    if not (SHARED / "licence-texts").is_dir() or not (SHARED / "bench-corpus").is_dir():
        pytest.skip("../shared (licence texts and bench corpus) is not beside the repository")
    return SHARED


# --- the data itself -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def licence_validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads((SCHEMA / "licence.schema.json").read_text()))


@pytest.mark.parametrize("path", _licence_files(), ids=lambda p: p.stem)
def test_every_licence_file_validates_against_the_schema(path: Path, licence_validator) -> None:
    errors = [e.message for e in licence_validator.iter_errors(_raw(path))]
    assert errors == []
    assert _raw(path)["key"] == path.stem


def test_licensors_file_validates_against_its_schema() -> None:
    validator = Draft202012Validator(json.loads((SCHEMA / "licensors.schema.json").read_text()))
    assert [e.message for e in validator.iter_errors(_raw(LICENCES / "licensors.yaml"))] == []


def test_fact_vocabulary_in_code_and_schema_agree_and_files_use_only_it() -> None:
    schema = json.loads((SCHEMA / "licence.schema.json").read_text())
    assert tuple(schema["$defs"]["fact_name"]["enum"]) == FACT_NAMES
    for path in _licence_files():
        unknown = set(_raw(path)["facts"]) - set(FACT_NAMES)
        assert not unknown, f"{path.name}: facts outside the vocabulary: {unknown}"


def test_coverage_of_the_required_licences() -> None:
    kb = load_knowledge()
    licences_only = [e for e in kb.all() if e.kind == "licence"]
    assert len(licences_only) >= 35
    missing = [k for k in REQUIRED_KEYS if kb.get(k) is None]
    assert missing == []
    # `other` and `unknown` mean "look at the texts": never a licence.
    assert kb.get("other") is None and kb.get("unknown") is None
    assert kb.lookup("other") is None and kb.lookup("unknown") is None and kb.lookup("  ") is None


def test_every_verified_quote_has_a_stored_text_to_check_against() -> None:
    unmapped = sorted({(source, file) for file, _, source, _ in _verified_quotes() if source not in TEXTS})
    assert unmapped == [], "verified quotes whose text is not mapped in TEXTS (mark them verified: false)"


def test_every_verified_quote_occurs_in_its_stored_text(shared_texts: Path) -> None:
    folded = {key: " ".join(_fold((shared_texts / rel).read_text(encoding="utf-8")) for rel in rels)
              for key, rels in TEXTS.items()}
    quotes = _verified_quotes()
    assert len(quotes) > 300
    missing = [(file, fact, quote[:80]) for file, fact, source, quote in quotes if _fold(quote) not in folded[source]]
    assert missing == []


def test_the_llama_3_1_facts_the_policy_criterion_needs() -> None:
    entry = knowledge().lookup("llama3.1")
    assert entry is not None and entry.key == "llama3.1"
    assert entry.licensor.country == "US" and entry.governing_law.country == "US"
    assert entry.fact("terminate_on_breach").section == "6"
    assert entry.fact("terminate_on_litigation").section == "5.c"
    assert entry.fact("updatable_policy").section == "1.b.iv"
    assert entry.fact("updatable_policy").detail("policy_key") == "llama3.1-aup"
    gate = entry.fact("commercial_gate")
    assert gate.section == "2" and gate.detail("mau_threshold") == 700_000_000 and gate.detail("discretion") is True
    assert entry.fact("built_with").detail("text") == "Built with Llama"
    assert entry.fact("name_prefix").detail("prefix") == "Llama"
    assert not entry.has("output_restriction")  # removed in 3.1
    assert knowledge().get("llama2").has("output_restriction")
    with pytest.raises(ValueError):
        entry.has("terminates")


def test_permissive_osi_licences_have_no_control_clauses_and_name_the_releaser() -> None:
    control = {"terminate_on_breach", "terminate_at_will", "revocable", "unilateral_amendment",
               "updatable_policy", "remote_restriction", "field_of_use", "commercial_gate"}
    for entry in knowledge().all():
        if entry.osi_approved:
            assert entry.licensor_is_releaser, entry.key
            assert entry.licensor.entity is None and entry.licensor.country is None, entry.key
        if entry.osi_approved and entry.category in ("permissive", "public-domain"):
            assert not control & set(entry.facts), entry.key
    apache = knowledge().get("apache-2.0")
    assert apache.has("patent_termination") and apache.fact("patent_termination").section == "3"
    gpl3 = knowledge().get("gpl-3.0")
    assert gpl3.has("copyleft") and gpl3.fact("terminate_on_breach").detail("cure")
    assert knowledge().get("cc-by-nc-4.0").has("non_commercial")
    assert knowledge().get("cc-by-4.0").fact("terminate_on_breach").detail("automatic") is True


def test_licences_without_a_stored_text_are_marked_unverified() -> None:
    for key in ("minimax-01", "kimi-k2-modified-mit", "glm-4", "internlm", "upstage-solar", "mistral-mnpl-0.1",
                "mistral-mrl-0.1"):
        entry = knowledge().get(key)
        assert entry.facts_status == "unverified"
        assert all(not f.verified for f in entry.iter_facts()), key


# --- lookups ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("llama3.1", "llama3.1"),                                # HF id
        ("cc-by-nc-4.0", "cc-by-nc-4.0"),
        ("openrail++", "creativeml-openrail-pp-m"),
        ("odc-by", "odc-by-1.0"),
        ("Apache-2.0", "apache-2.0"),                            # SPDX id, any case
        ("apache-2.0", "apache-2.0"),
        ("GPL-3.0-or-later", "gpl-3.0"),
        ("LGPL-2.1+", "lgpl-2.1"),
        ("LicenseRef-llama3.1", "llama3.1"),                     # our LicenseRef
        ("licenseref-tongyi-qianwen", "tongyi-qianwen"),
        ("llama-3.1-license-2024", "llama3.1"),                  # ScanCode key
        ("LicenseRef-scancode-tongyi-qianwen-2023", "tongyi-qianwen"),
        ("hyperclova-x-seed-2025", "hyperclovax-seed"),
        ("exaone-ai-model-1.1-nc", "exaone-1.1"),
        ("bigscience-open-rail-m2", "creativeml-openrail-pp-m"),
        ("stable-diffusion-2022-08-22", "creativeml-openrail-m"),
        ("hyperclovax-seed", "hyperclovax-seed"),                # license_name
        ("qwen-research", "qwen-research"),
        ("baichuan2-community-license", "baichuan2-community"),
        ("upstage-solar-license", "upstage-solar"),
        ("Llama 3.1 Community License Agreement", "llama3.1"),  # full name
        ("Qwen RESEARCH LICENSE AGREEMENT", "qwen-research"),
        ("GNU General Public License v3.0", "gpl-3.0"),
        ("https://ai.meta.com/llama/license/", "llama2"),        # license_link
        ("https://www.llama.com/llama3_2/license/", "llama3.2"),
        ("https://ai.google.dev/gemma/prohibited_use_policy", "gemma-pup"),
        ("https://creativecommons.org/licenses/by-nc-sa/4.0/", "cc-by-nc-sa-4.0"),
        ("https://huggingface.co/naver-hyperclovax/HyperCLOVAX-SEED-Text-Instruct-1.5B/blob/main/LICENSE",
         "hyperclovax-seed"),
        ("https://www.nvidia.com/en-us/agreements/enterprise-software/nvidia-open-model-license/", "nvidia-open-model"),
    ],
)
def test_lookup_by_any_identifier(query: str, key: str) -> None:
    entry = knowledge().lookup(query)
    assert entry is not None and entry.key == key


def test_every_ai_licence_id_of_the_benchmark_corpus_resolves(shared_texts: Path) -> None:
    manifest = json.loads((shared_texts / "bench-corpus" / "manifest.json").read_text(encoding="utf-8"))
    ids = {i for entry in manifest["files"].values() if entry["category"] == "ai" for slot in entry["expected"] for i in slot}
    assert len(ids) >= 20
    assert sorted(i for i in ids if knowledge().lookup(i) is None) == []


def test_lookup_of_a_shared_id_gives_the_newest_version_and_lists_all() -> None:
    kb = knowledge()
    assert kb.lookup("gemma").key == "gemma-2026-04-01"
    assert {e.key for e in kb.candidates("gemma")} == {"gemma-2024-04-01", "gemma-2025-03-24", "gemma-2026-04-01"}
    assert kb.lookup("exaone").key == "exaone-1.2"


def test_lookup_does_not_guess() -> None:
    kb = knowledge()
    for query in ("LICENSE", "https://huggingface.co/Qwen/Qwen3-8B/blob/main/LICENSE", "some licence", "apache",
                  "modified-mit",  # Kimi K2 and MiniMax-M2 cards both use it, for different texts
                  "https://falconllm.tii.ae/falcon-terms-and-conditions.html"):  # Falcon 3 licence, not Falcon 2
        assert kb.lookup(query) is None, query


def test_knowledge_is_loaded_once() -> None:
    assert knowledge() is knowledge()
    assert licensors() is licensors()


# --- licensors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("org", "country"),
    [
        ("naver-hyperclovax", "KR"),
        ("Qwen", "CN"),
        ("qwen", "CN"),
        ("meta-llama", "US"),
        ("LGAI-EXAONE", "KR"),
        ("upstage", "KR"),
        ("skt", "KR"),
        ("zai-org", "CN"),
        ("mistralai", "FR"),
        ("google-bert", "US"),
        ("Qwen/Qwen2.5-VL-32B-Instruct", "CN"),
        ("Alibaba Cloud", "CN"),
        ("Meta Platforms, Inc.", "US"),
        ("The HuggingFace Inc. team", "US"),
        ("Google LLC", "US"),
        ("NAVER Corp.", "KR"),
        ("Copyright (c) 2023 DeepSeek", "CN"),
        ("Copyright (c) 2025 KT Corporation", "KR"),
        ("tiiuae", "AE"),
    ],
)
def test_licensor_lookup(org: str, country: str) -> None:
    found = licensors().lookup(org)
    assert found is not None and found.country == country


def test_licensor_parents_and_unknowns() -> None:
    table = licensors()
    assert table.lookup("Qwen").parent == "Alibaba Group Holding Limited"
    assert table.parent_of(table.lookup("LGAI-EXAONE")).entity == "LG Corp."
    assert table.lookup("Meta Platforms Ireland Limited").country == "IE"
    assert table.lookup("no-such-org-anywhere") is None and table.lookup("") is None


def test_every_fixture_org_has_a_licensor(shared_texts: Path) -> None:
    orgs = {p.name.split("__", 1)[0] for p in (shared_texts / "fixtures").iterdir() if "__" in p.name and p.is_dir()}
    assert orgs
    missing = [org for org in sorted(orgs) if licensors().lookup(org) is None or not licensors().lookup(org).country]
    assert missing == []


def test_every_named_licensor_of_a_licence_is_in_the_licensors_table() -> None:
    table = licensors()
    for entry in knowledge().all():
        if entry.licensor.entity and entry.licensor.country:
            found = table.lookup(entry.licensor.entity)
            assert found is not None and found.country == entry.licensor.country, entry.key


# --- broken data ------------------------------------------------------------------------------


def _kb_dir(tmp_path: Path, *keys: str) -> Path:
    directory = tmp_path / "licences"
    directory.mkdir()
    for key in keys:
        shutil.copy(LICENCES / f"{key}.yaml", directory / f"{key}.yaml")
    return directory


def test_a_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    directory = _kb_dir(tmp_path, "mit")
    (directory / "broken.yaml").write_text("key: broken\nname: [unclosed\nversion: 1\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge(directory)
    assert info.value.path.name == "broken.yaml" and info.value.line in (2, 3, 4)
    assert "broken.yaml:" in str(info.value) and "YAML" in str(info.value)


def test_a_schema_error_names_file_line_and_expected_shape(tmp_path: Path) -> None:
    directory = _kb_dir(tmp_path, "apache-2.0")
    text = (LICENCES / "mit.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    facts_at = lines.index("facts:")
    lines.insert(facts_at + 1, "  terminates_whenever:\n    section: '9'\n    quote: null\n    verified: false")
    (directory / "mit.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge(directory)
    message = str(info.value)
    assert info.value.path.name == "mit.yaml"
    assert info.value.line == facts_at + 2  # the bad fact name itself (1-based)
    assert "terminates_whenever" in message and "terminate_on_breach" in message  # names the vocabulary


def test_a_wrong_value_type_points_at_its_line(tmp_path: Path) -> None:
    directory = _kb_dir(tmp_path)
    text = (LICENCES / "llama3.1.yaml").read_text(encoding="utf-8").replace('    section: "6"', "    section: 6")
    (directory / "llama3.1.yaml").write_text(text, encoding="utf-8")
    expected_line = text.splitlines().index("    section: 6") + 1
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge(directory)
    assert info.value.line == expected_line
    assert "facts/terminate_on_breach/section" in str(info.value) and "string" in str(info.value)


def test_key_mismatch_duplicate_keys_and_dangling_references_are_errors(tmp_path: Path) -> None:
    directory = _kb_dir(tmp_path, "mit")
    (directory / "renamed.yaml").write_text((LICENCES / "unlicense.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="must equal the file name stem"):
        load_knowledge(directory)
    (directory / "renamed.yaml").unlink()

    (directory / "dup.yaml").write_text("key: dup\nkey: dup\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge(directory)
    assert "duplicate key" in str(info.value) and info.value.line == 2
    (directory / "dup.yaml").unlink()

    shutil.copy(LICENCES / "llama3.1.yaml", directory / "llama3.1.yaml")  # names llama3.1-aup etc.
    with pytest.raises(KnowledgeBaseError, match="no file in the knowledge base") as info:
        load_knowledge(directory)
    assert info.value.path.name == "llama3.1.yaml" and info.value.line is not None


def test_an_empty_file_or_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    directory = _kb_dir(tmp_path, "mit")
    (directory / "empty.yaml").write_text("", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="expected a mapping") as info:
        load_knowledge(directory)
    assert info.value.path.name == "empty.yaml"
    with pytest.raises(KnowledgeBaseError, match="directory not found"):
        load_knowledge(tmp_path / "nowhere")


def test_a_broken_licensors_file_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "licensors.yaml"
    path.write_text(
        "organisations:\n  - id: acme\n    entity: Acme\n    country: Korea\n    parent: null\n"
        "    hub_orgs: []\n    aliases: []\n",
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeBaseError) as info:
        load_licensors(path)
    assert info.value.line == 4 and "country" in str(info.value)
    path.write_text(path.read_text().replace("Korea", "KR").replace("parent: null", "parent: nobody"), encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="parent 'nobody'"):
        load_licensors(path)


# --- CLI -------------------------------------------------------------------------------------


def test_cli_show_llama_3_1_lists_the_control_clauses_with_sections() -> None:
    result = CliRunner().invoke(cli, ["licences", "show", "llama3.1"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "terminate_on_breach  §6" in out
    assert "terminate_on_litigation  §5.c" in out
    assert "updatable_policy  §1.b.iv" in out and "incorporated by reference" in out
    assert "commercial_gate  §2" in out and "700 million monthly active users" in out
    assert "built_with  §1.b.i" in out and "Built with Llama" in out
    assert "name_prefix  §1.b.i" in out and "prefix: Llama" in out
    assert "State of California" in out and "(§7)" in out
    assert "Meta Platforms, Inc. (US)" in out


def test_cli_show_accepts_any_identifier_and_json() -> None:
    runner = CliRunner()
    result = runner.invoke(licences_group, ["show", "LicenseRef-scancode-tongyi-qianwen-2023", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["key"] == "tongyi-qianwen" and data["licensor"]["country"] == "CN"
    assert data["facts"]["terminate_on_breach"]["section"] == "8.b"
    assert data["governing_law"]["forum"].startswith("People's Courts in Hangzhou")


def test_cli_show_unknown_id_exits_2_with_a_hint() -> None:
    result = CliRunner().invoke(licences_group, ["show", "llama3.9"])
    assert result.exit_code == 2
    assert "no licence 'llama3.9'" in result.output and "Did you mean" in result.output


def test_cli_list_table_and_json() -> None:
    runner = CliRunner()
    table = runner.invoke(licences_group, ["list"])
    assert table.exit_code == 0, table.output
    row = next(line for line in table.output.splitlines() if line.startswith("hyperclovax-seed "))
    assert " KR " in row and "amend" in row and "gate(10M)" in row
    assert "(releaser)" in next(line for line in table.output.splitlines() if line.startswith("apache-2.0 "))
    rows = json.loads(runner.invoke(licences_group, ["list", "--format", "json"]).output)
    assert len(rows) == len(knowledge().all())
    exaone = next(r for r in rows if r["key"] == "exaone-1.2")
    assert exaone["licensor_country"] == "KR" and "unilateral_amendment" in exaone["facts"]
