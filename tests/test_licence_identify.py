"""Licence identification on real texts: ../shared/licence-texts and the bench corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.licences.ai_rules import load_rules
from scanner.licences.identify import LicenceMatch, identify_card_fields, identify_text, spdx_tags
from scanner.licences.spdx_corpus import spdx_index

# file in ../shared/licence-texts -> (expected id, version or None); see its SOURCES.md
LICENCE_TEXTS: dict[str, tuple[str, str | None]] = {
    "baichuan2-community-summary.txt": ("baichuan2-community", "2"),
    "baichuan2-repo-license.txt": ("Apache-2.0", None),
    "bigscience-bloom-rail-1.0.txt": ("bigscience-bloom-rail-1.0", "1.0"),
    "bigscience-openrail-m.txt": ("bigscience-openrail-m", "1.0"),
    "codegeex4-glm4-family.txt": ("codegeex4", "codegeex4"),
    "creativeml-openrail-m.txt": ("creativeml-openrail-m", "1.0"),
    "creativeml-openrail-pp-m.txt": ("creativeml-openrail-pp-m", "1.0"),
    "deepseek-model-v1.0.txt": ("deepseek-model-1.0", "1.0"),
    "deepseek-v3-code.txt": ("MIT", None),
    "deepseek-v3-model.txt": ("deepseek-model-1.0", "1.0"),
    "exaone-1.1-scancode.txt": ("exaone-1.1", "1.1"),
    "exaone-1.1.txt": ("exaone-1.1", "1.1"),
    "exaone-1.2.txt": ("exaone-1.2", "1.2"),
    "falcon2-11b-tii-1.0.txt": ("falcon2-11b-tii-1.0", "1.0"),
    "gemma-2024-04-01.txt": ("gemma-2024-04-01", "2024-04-01"),
    "gemma-2025-03-24.txt": ("gemma-2025-03-24", "2025-03-24"),
    "gemma-2026-04-01.txt": ("gemma-2026-04-01", "2026-04-01"),
    "gemma-pup.txt": ("gemma-pup", "2024-02-21"),
    "glm4-repo-apache-2.0.txt": ("Apache-2.0", None),
    "hyperclovax-seed.txt": ("hyperclovax-seed", "2025-04-24"),
    "internlm-repo-license.txt": ("Apache-2.0", None),
    "kt-midm-2.0-mit.txt": ("MIT", None),
    "llama2-aup.txt": ("llama2-aup", "2"),
    "llama2.txt": ("llama2", "2"),
    "llama3-aup.txt": ("llama3-aup", "3"),
    "llama3.1-aup.txt": ("llama3.1-aup", "3.1"),
    "llama3.1.txt": ("llama3.1", "3.1"),
    "llama3.2-aup.txt": ("llama3.2-aup", "3.2"),
    "llama3.2.txt": ("llama3.2", "3.2"),
    "llama3.3-aup.txt": ("llama3.3-aup", "3.3"),
    "llama3.3.txt": ("llama3.3", "3.3"),
    "llama3.txt": ("llama3", "3"),
    "llama4-aup.txt": ("llama4-aup", "4"),
    "llama4.txt": ("llama4", "4"),
    "nvidia-open-model-2025-04-28.txt": ("nvidia-open-model", "2025-04-28"),
    "qwen-research.txt": ("qwen-research", "2024-09-19"),
    "qwen.txt": ("qwen", "2024-09-19"),
    "qwen2.5-vl-repo-apache-2.0.txt": ("Apache-2.0", None),
    "skt-ax3-apache-2.0.txt": ("Apache-2.0", None),
    "stability-ai-community-2024.txt": ("stability-ai-community", "2024-07-05"),
    "tongyi-qianwen-research.txt": ("tongyi-qianwen-research", "2023-11-30"),
    "tongyi-qianwen.txt": ("tongyi-qianwen", "2023-08-03"),
    "yi-community-2.1.txt": ("yi-community-2.1", "2.1"),
    "yi-repo-license.txt": ("Apache-2.0", None),
}


@pytest.fixture(scope="session")
def index():
    """The SPDX n-gram index, loaded (or built) once for the whole session."""
    return spdx_index()


@pytest.fixture(scope="session")
def licence_texts(shared: Path) -> Path:
    return shared / "licence-texts"


@pytest.fixture(scope="session")
def corpus(shared: Path) -> Path:
    path = shared / "bench-corpus"
    if not (path / "manifest.json").is_file():
        pytest.skip("../shared/bench-corpus is absent")
    return path


@pytest.fixture(scope="session")
def manifest(corpus: Path) -> dict:
    return json.loads((corpus / "manifest.json").read_text())


def _ids(matches: list[LicenceMatch]) -> list[str]:
    return [m.id for m in matches]


def _norm(i: str) -> str:
    i = i.lower()
    for prefix in ("licenseref-scancode-", "licenseref-"):
        if i.startswith(prefix):
            i = i[len(prefix) :]
    return i


def _exact(entry: dict, matches: list[LicenceMatch]) -> bool:
    got = [{_norm(x) for x in (m.id, *m.alternatives, m.scancode_key or m.id)} for m in matches]
    for slots in [entry["expected"], *entry.get("alt_expected", [])]:
        sl = [{_norm(x) for x in s} for s in slots]
        if all(any(g & s for g in got) for s in sl) and all(any(g & s for s in sl) for g in got):
            return True
    return False


def test_every_licence_text_is_identified_with_id_and_version(index, licence_texts: Path) -> None:
    present = sorted(p.name for p in licence_texts.glob("*.txt"))
    assert set(present) == set(LICENCE_TEXTS), "licence-texts changed: update the expectations"
    wrong = {}
    for name in present:
        want_id, want_version = LICENCE_TEXTS[name]
        matches = identify_text((licence_texts / name).read_text(encoding="utf-8"))
        got = [(m.id, m.version) for m in matches]
        if got != [(want_id, want_version)]:
            wrong[name] = got
    assert not wrong


def test_llama3_file_folds_its_use_policy_into_the_licence(index, licence_texts: Path) -> None:
    [m] = identify_text((licence_texts / "llama3.txt").read_text(encoding="utf-8"))
    assert m.id == "llama3" and m.includes == ("llama3-aup",)
    assert m.matcher == "ai-rule" and m.scancode_key == "llama-3-license-2024"


def test_versions_are_kept_apart(index, licence_texts: Path) -> None:
    research = identify_text((licence_texts / "tongyi-qianwen-research.txt").read_text(encoding="utf-8"))
    plain = identify_text((licence_texts / "tongyi-qianwen.txt").read_text(encoding="utf-8"))
    assert _ids(research) == ["tongyi-qianwen-research"] and _ids(plain) == ["tongyi-qianwen"]
    gpl2 = identify_text(Path(licence_texts.parent / "bench-corpus" / "spdx" / "GPL-2.0-only.txt").read_text())
    gpl3 = identify_text(Path(licence_texts.parent / "bench-corpus" / "spdx" / "GPL-3.0-only.txt").read_text())
    assert gpl2[0].id == "GPL-2.0-only" and "GPL-2.0-or-later" in gpl2[0].alternatives
    assert gpl3[0].id == "GPL-3.0-only"
    cc3 = identify_text(Path(licence_texts.parent / "bench-corpus" / "spdx" / "CC-BY-3.0.txt").read_text())
    assert _ids(cc3) == ["CC-BY-3.0"]


def test_every_rule_key_is_a_knowledge_base_key_with_the_same_version() -> None:
    kb_mod = pytest.importorskip("scanner.licences.knowledge")
    kb = kb_mod.knowledge()
    rules = load_rules()
    assert sorted({r.key for r in rules if kb.get(r.key) is None}) == []
    for r in rules:
        facts = kb.get(r.key)
        if facts.version and r.version:
            assert str(facts.version) == r.version, r.key
        if facts.scancode_key:
            assert facts.scancode_key == r.scancode_key, r.key


def _known_to_index(index, entry: dict) -> bool:
    """Whether every expected licence is SPDX text our data package has, or an AI licence."""
    have = {_norm(i) for e in index.entries for i in (e.id, *e.alternatives)}
    have |= {_norm(r.scancode_key) for r in load_rules()}
    return all(any(_norm(i) in have for i in slot) for slot in entry["expected"])


@pytest.mark.parametrize("kind", ["reflow", "markdown", "copyright", "codeheader", "pycomment", "concat", "trunc60"])
def test_variants_sample(index, corpus: Path, manifest: dict, kind: str) -> None:
    files = sorted(r for r, e in manifest["files"].items() if e["kind"] == kind)
    ai_bases = set(manifest["sample"][:23])
    def bases(r: str) -> set[str]:
        base = manifest["files"][r]["base"]
        return set(base) if isinstance(base, list) else {base}

    sample = set(files[::5]) | {r for r in files if bases(r) & ai_bases}
    sample = sorted(r for r in sample if _known_to_index(index, manifest["files"][r]))
    misses = [r for r in sample if not _exact(manifest["files"][r], identify_text((corpus / r).read_text(encoding="utf-8")))]
    limit = 0.1 if kind == "trunc60" else 0.03  # a cut text may keep too little of a short licence
    assert len(misses) <= limit * len(sample), misses


def test_concat_reports_both_licences_with_spans(index, corpus: Path) -> None:
    text = (corpus / "variants/concat/exaone-ai-model-1.1-nc__llama-3.1-license-2024.txt").read_text(encoding="utf-8")
    matches = identify_text(text)
    assert _ids(matches) == ["exaone-1.1", "llama3.1"]
    assert matches[0].end_line < matches[1].start_line
    llama, pixar = identify_text((corpus / "variants/concat/llama-3-license-2024__Pixar.txt").read_text(encoding="utf-8"))
    assert (llama.id, llama.includes, pixar.id) == ("llama3", ("llama3-aup",), "Pixar")
    assert llama.end_line > 80 and llama.end_line < pixar.start_line  # the span takes in the printed policy
    text = (corpus / "variants/concat/AAL__OFL-1.0-RFN.txt").read_text(encoding="utf-8")
    a, b = identify_text(text)
    assert a.id == "AAL" and "OFL-1.0-RFN" in (b.id, *b.alternatives)
    assert a.end_line < b.start_line and a.end_char <= b.start_char


def test_truncated_text_scores_lower_but_is_identified(index, corpus: Path) -> None:
    [full] = identify_text((corpus / "spdx/Apache-2.0.txt").read_text(encoding="utf-8"))
    [cut] = identify_text((corpus / "variants/trunc60/Apache-2.0.txt").read_text(encoding="utf-8")) if (
        corpus / "variants/trunc60/Apache-2.0.txt"
    ).exists() else identify_text((corpus / "spdx/Apache-2.0.txt").read_text(encoding="utf-8")[:6500])
    assert full.id == cut.id == "Apache-2.0"
    assert full.score == 1.0 and 0.4 < cut.score < 0.8


def test_none_files_give_nothing(index, corpus: Path) -> None:
    found = {p.name: _ids(identify_text(p.read_text(encoding="utf-8", errors="replace"))) for p in sorted((corpus / "none").iterdir())}
    assert len(found) >= 40
    assert {k: v for k, v in found.items() if v} == {}


def test_mit_with_an_extra_clause_is_modified(index, licence_texts: Path) -> None:
    mit = (licence_texts / "kt-midm-2.0-mit.txt").read_text(encoding="utf-8")
    [plain] = identify_text(mit)
    assert plain.id == "MIT" and not plain.modified
    appended = mit.rstrip() + (
        "\n\nThe permission above is granted only if you prominently display \"Powered by Example\" "
        "in any commercial product or service with more than 1 million monthly users.\n"
    )
    [m] = identify_text(appended)
    assert m.id == "MIT" and m.modified and m.base == "MIT"
    assert m.extra and m.extra[0][0] > plain.end_line
    inserted = mit.replace(
        "The above copyright notice",
        "You may not use the Software for any military purpose, and you must name the Licensor in "
        "every commercial product that uses the Software.\n\nThe above copyright notice",
    )
    [m2] = identify_text(inserted)
    assert m2.id == "MIT" and m2.modified


def test_kimi_style_modified_mit_is_its_own_licence_and_modified(index, licence_texts: Path) -> None:
    mit = (licence_texts / "kt-midm-2.0-mit.txt").read_text(encoding="utf-8").replace("MIT License", "Modified MIT License", 1)
    text = mit.rstrip() + (
        "\n\nOur only modification part is that, if the Software (or any derivative works thereof) is used for "
        "any of your commercial products or services that have more than 100 million monthly active users, or "
        "more than 20 million US dollars (or equivalent in other currencies) in monthly revenue, you shall "
        "prominently display \"Kimi K2\" on the user interface of such product or service.\n"
    )
    [m] = identify_text(text)
    assert m.id == "kimi-k2-modified-mit" and m.modified and m.base == "MIT"


def test_licence_in_comment_block_after_code(index, licence_texts: Path) -> None:
    apache = (licence_texts / "skt-ax3-apache-2.0.txt").read_text(encoding="utf-8")
    code = "import os\n\n\ndef main():\n    return os.getcwd()\n\n" * 4
    block = "/*\n" + "".join(" * " + line + "\n" for line in apache.splitlines()) + " */\n"
    [m] = identify_text(code + block + "int x = 1;\n")
    assert m.id == "Apache-2.0" and m.start_line > 20 and not m.modified


def test_spdx_tags_use_expression_parser() -> None:
    text = (
        "// SPDX-License-Identifier: Apache-2.0 OR (MIT AND GPL-2.0-or-later WITH Classpath-exception-2.0)\n"
        "/* SPDX-License-Identifier: LicenseRef-Acme-1 */\n"
        "# SPDX-License-Identifier: (((\n"
    )
    tags = spdx_tags(text)
    ids = [t.id for t in tags]
    assert ids[:4] == ["Apache-2.0", "MIT", "GPL-2.0-or-later", "Classpath-exception-2.0"]
    assert tags[0].matcher == "spdx-tag" and tags[0].start_line == 1
    acme = tags[4]
    assert acme.id == "LicenseRef-Acme-1" and acme.start_line == 2
    broken = tags[-1]
    assert broken.start_line == 3 and broken.score == 0.0 and "error" in broken.detail


def test_card_fields_map_to_knowledge_base_keys() -> None:
    pytest.importorskip("scanner.licences.knowledge")
    [m] = identify_card_fields({"license": "llama3.1"})
    assert m.id == "llama3.1" and m.matcher == "card" and m.detail["known"]
    out = identify_card_fields({"license": "other", "license_name": "made-up-licence-xyz"})
    assert [(o.id, o.detail["known"], o.score) for o in out] == [("made-up-licence-xyz", False, 0.0)]


def test_unknown_text_gives_nothing(index) -> None:
    assert identify_text("") == []
    assert identify_text("This project is great. Use it well and be kind to each other.\n" * 20) == []


def test_cli_json_shape_and_missing_file(index, licence_texts: Path, tmp_path: Path) -> None:
    from scanner.cli.licences_identify import identify

    empty = tmp_path / "empty.txt"
    empty.write_text("nothing to see here\n")
    runner = CliRunner()
    result = runner.invoke(identify, [str(licence_texts / "qwen.txt"), str(empty), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [d["path"] for d in data] == [str(licence_texts / "qwen.txt"), str(empty)]
    [lic] = data[0]["licences"]
    assert lic["id"] == "qwen" and lic["version"] == "2024-09-19"
    assert set(lic) >= {"id", "score", "span", "modified", "matcher"}
    assert data[1]["licences"] == []
    missing = runner.invoke(identify, [str(tmp_path / "nope.txt"), "--format", "json"])
    assert missing.exit_code == 4
    assert "nope.txt" in missing.output


def test_repo_licences_files_readme_and_unreadable_pdf(index, licence_texts: Path, tmp_path: Path) -> None:
    from scanner.licences.repo_licences import identify_repo_licences, is_licence_file
    from scanner.sources.local import LocalDirSource

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "LICENSE").write_text((licence_texts / "tongyi-qianwen.txt").read_text(encoding="utf-8"))
    (repo / "NOTICE.md").write_text("Copyright 2024 Example Org\n\nSPDX-License-Identifier: Apache-2.0\n")
    (repo / "Community License for Baichuan2 Model.pdf").write_bytes(b"%PDF-1.7\n\x00\x01binary")
    (repo / "model.py").write_text("# SPDX-License-Identifier: MIT\nx = 1\n")
    (repo / "README.md").write_text(
        "---\nlicense: apache-2.0\n---\n# Model\n\nSome words.\n\n## License\n\n"
        "This model is licensed under the [Apache 2.0](https://www.apache.org/licenses/LICENSE-2.0) licence.\n\n"
        "## Citation\n\nPlease cite us.\n"
    )
    result = identify_repo_licences(LocalDirSource(str(repo)))
    by_path = {f.path: f for f in result.files}
    assert set(by_path) == {"LICENSE", "NOTICE.md", "Community License for Baichuan2 Model.pdf"}
    assert [m.id for m in by_path["LICENSE"].matches] == ["tongyi-qianwen"]
    assert [m.id for m in by_path["NOTICE.md"].matches] == ["Apache-2.0"]
    assert by_path["Community License for Baichuan2 Model.pdf"].error
    assert any("PDF" in i.problem for i in result.issues)
    assert result.detected == ["tongyi-qianwen", "Apache-2.0"]
    assert result.readme is not None and result.readme.section == (8, 10)
    assert result.readme_declared == ["Apache-2.0"]
    ev = next(e for e in result.evidence if e.path == "LICENSE")
    assert ev.line == 1 and "Tongyi Qianwen" in ev.excerpt and ev.detail["licence"] == "tongyi-qianwen"
    assert is_licence_file("LICENSE-MODEL") and is_licence_file("licenses/llama3/LICENSE") is False
    assert is_licence_file("Tongyi Qianwen LICENSE AGREEMENT") and not is_licence_file("src/license.py")


def test_repo_licences_on_real_fixture(index, fixtures: Path) -> None:
    from scanner.licences.repo_licences import identify_repo_licences
    from scanner.sources.local import LocalDirSource

    result = identify_repo_licences(LocalDirSource(str(fixtures / "Qwen__Qwen3-8B")))
    assert result.detected == ["Apache-2.0"]


def test_apache_with_an_appended_disclaimer_is_modified_not_a_second_licence(index, licence_texts: Path) -> None:
    # InternLM's LICENSE is Apache-2.0 followed by a BSD-style warranty disclaimer paragraph
    [m] = identify_text((licence_texts / "internlm-repo-license.txt").read_text(encoding="utf-8"))
    assert m.id == "Apache-2.0" and m.modified and m.extra == ((203, 212),)


def test_standard_licence_header_in_code(index) -> None:
    code = (
        "# Copyright 2024 Example Corp.\n#\n"
        "# Licensed under the Apache License, Version 2.0 (the \"License\");\n"
        "# you may not use this file except in compliance with the License.\n"
        "# You may obtain a copy of the License at\n#\n#     http://www.apache.org/licenses/LICENSE-2.0\n#\n"
        "# Unless required by applicable law or agreed to in writing, software\n"
        "# distributed under the License is distributed on an \"AS IS\" BASIS,\n"
        "# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.\n"
        "# See the License for the specific language governing permissions and\n"
        "# limitations under the License.\n\"\"\"A module.\"\"\"\nimport os\n"
    )
    [m] = identify_text(code)
    assert (m.id, m.matcher, m.span) == ("Apache-2.0", "spdx-header", (3, 13))


def test_identify_is_registered_under_sovscan_licences(index, licence_texts: Path) -> None:
    from scanner.cli.main import cli

    result = CliRunner().invoke(cli, ["licences", "identify", str(licence_texts / "llama3.3.txt")])
    assert result.exit_code == 0, result.output
    assert "llama3.3" in result.output and "version 3.3" in result.output


def test_long_notices_file_is_read_in_windows(index, corpus: Path) -> None:
    names = ["MIT", "Apache-2.0", "BSD-3-Clause", "GPL-3.0-only", "ISC", "Zlib", "MPL-2.0", "Unlicense"]
    parts = [(corpus / "spdx" / f"{n}.txt").read_text(encoding="utf-8") for n in names]
    text = "\n\n".join(parts * 8)  # ~530 kB: more than one window
    assert len(text) > 500_000
    found = identify_text(text)
    ids = [m.id for m in found]
    assert set(ids) == set(names)
    assert len(found) == 8 * len(names)
    starts = [m.start_line for m in found]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


def test_readme_licence_section_markdown_and_underlined() -> None:
    from scanner.licences.repo_licences import licence_section

    assert licence_section("# T\n\n## License\n\nApache 2.0\n\n## Other\nx\n") == (3, 5, "## License\n\nApache 2.0\n\n")
    rst = "Title\n=====\n\nHello\n\nLicense\n-------\n\nMIT licensed.\n\nCitation\n--------\nx\n"
    first, last, body = licence_section(rst)
    assert (first, last) == (6, 9) and "MIT licensed." in body and "Citation" not in body
    assert licence_section("no section here\n") is None
