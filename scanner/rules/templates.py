"""Finding messages: rule text with `{{ node.name }}`-style placeholders, rendered in a sandbox.

Rule files are data written by reviewers, so their templates run in jinja2's
`SandboxedEnvironment` (no attribute access to Python internals, no `eval`). Templates are
checked when the pack loads: syntax, and only the documented variables.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError, Undefined, meta
from jinja2.sandbox import SandboxedEnvironment

#: Variables a message or remediation may use (documented in rules/README.md).
TEMPLATE_VARIABLES = frozenset(
    {
        "node",  # the finding's node (for `for: edge`, the edge's source)
        "edge",  # the subject edge (for: edge) or the last edge of the path
        "source",
        "upstream",  # the edge's target: what the node depends on
        "target",  # the scanned model
        "licence",  # the node's licence view
        "fact",  # the clause fact a licence test or duty matched
        "facts",  # names of all matched facts
        "ancestor",  # the node a `reachable` test found
        "duty",  # {fact, status, text, licence, ...} of a duty test
        "params",  # the pack's parameters
        "path",  # names of the nodes on the path from the target
        "confidence",
        "rule",
    }
)

#: Words of the graph and licence vocabularies (clause facts, relations, components, openness
#: parts) as a sentence in each report language says them: the `term` filter. Identifiers not
#: listed read as themselves with spaces for underscores, so a new fact never breaks a message.
TERMS: dict[str, dict[str, str]] = {
    "ko": {
        # clause facts
        "terminate_on_breach": "위반 시 해지",
        "terminate_on_litigation": "소송 제기 시 해지",
        "terminate_at_will": "라이선스 제공자의 임의 해지",
        "revocable": "철회 가능",
        "unilateral_amendment": "일방적 변경",
        "updatable_policy": "라이선스 제공자가 바꿀 수 있는 이용 정책",
        "remote_restriction": "원격 이용 제한",
        "field_of_use": "이용 분야 제한",
        "non_commercial": "비상업적 이용 한정",
        "commercial_gate": "일정 규모 이상 상업적 이용 시 별도 라이선스",
        "attribution_notice": "저작자 고지",
        "built_with": "\"Built with\" 표시",
        "name_prefix": "모델 이름 접두어",
        "licence_copy": "라이선스 사본 동봉",
        "propagation": "제한 사항의 파생물 승계",
        "output_restriction": "출력물로 다른 모델 학습 금지",
        "geographic_exclusion": "지역 제외",
        "export_control": "수출 통제",
        "patent_termination": "특허 소송 시 특허 라이선스 종료",
        "copyleft": "카피레프트(소스 공개 의무)",
        # relations (noun form: "A → B (relation)")
        "finetune_of": "미세 조정",
        "adapter_of": "어댑터",
        "merge_of": "병합",
        "quantized_of": "양자화",
        "distilled_from": "증류",
        "derived_from": "파생",
        "contains": "포함",
        "reuses_weights_of": "가중치 재사용",
        "copies_code_from": "코드 복사",
        "runs_remote_code_of": "원격 코드 실행",
        "trained_on": "학습 데이터",
        "evaluated_on": "평가 데이터",
        "depends_on": "의존",
        # components
        "language_model": "언어 모델",
        "vision_tower": "비전 인코더",
        "audio_tower": "오디오 인코더",
        "projector": "프로젝터",
        "embeddings": "임베딩",
        "component": "구성 요소",
        # openness parts
        "weights": "가중치",
        "code": "코드",
        "data_card": "데이터 카드",
        "training_logs": "학습 로그",
        # node kinds
        "model": "모델",
        "tokenizer": "토크나이저",
        "dataset": "데이터셋",
        "package": "패키지",
        # licence categories
        "permissive": "허용형",
        "weak-copyleft": "약한 카피레프트",
        "ai-restricted": "AI 이용 제한형",
        "non-commercial": "비상업용",
        "proprietary": "독점",
        "public-domain": "퍼블릭 도메인",
        "data": "데이터 라이선스",
        # what a duty check reads from the target
        "detected_licences": "감지된 라이선스 목록",
        "card_text": "모델 카드 본문",
        "notice_text": "NOTICE 본문",
        # weight-similarity strengths
        "weak": "약함",
        "moderate": "중간",
        "strong": "강함",
    },
}


def _term_filter(lang: str):
    table = TERMS.get(lang, {})

    def term(value: Any) -> Any:
        """One word or a list of words of the shared vocabulary, in the report language."""
        if isinstance(value, (list, tuple)) or (hasattr(value, "__iter__") and hasattr(value, "__next__")):
            return [term(v) for v in value]  # a list, or what `map`/`select` yield
        key = str(value)
        return table.get(key, key.replace("_", " "))

    return term


#: Whether a digit's Korean reading (영 일 이 삼 사 오 육 칠 팔 구) ends in a consonant, and in ㄹ.
_DIGIT_FINAL = {"0": "ㅇ", "1": "ㄹ", "2": "", "3": "ㅁ", "4": "", "5": "", "6": "ㄱ", "7": "ㄹ", "8": "ㄹ", "9": ""}
_RIEUL = 8  # jongseong index of ㄹ


def josa(word: Any, pair: str) -> str:
    """`word` followed by the Korean particle of `pair` ("은/는", "이/가", "을/를", "과/와",
    "으로/로") that fits its last sound. A word ending in neither Hangul nor a digit (a model
    name in Latin letters) keeps both forms, "은(는)", as Korean technical writing does."""
    text = str(word)
    with_final, without_final = pair.split("/", 1)
    last = text.rstrip()[-1:] if text.strip() else ""
    if "가" <= last <= "힣":
        final = (ord(last) - 0xAC00) % 28
        has_final, rieul = final != 0, final == _RIEUL
    elif last in _DIGIT_FINAL:
        has_final, rieul = bool(_DIGIT_FINAL[last]), _DIGIT_FINAL[last] == "ㄹ"
    else:
        return f"{text}{with_final}({without_final})"
    if with_final == "으로":
        return text + ("로" if not has_final or rieul else "으로")
    return text + (with_final if has_final else without_final)


#: How a language names a component of a model ("<model>의 비전 인코더").
_COMPONENT_OF = {"ko": "{model}의 {component}"}


def _named_filter(lang: str):
    term = _term_filter(lang)
    pattern = _COMPONENT_OF.get(lang)

    def named(view: Any) -> str:
        """A node view's name as a sentence in the report language says it: a weights
        component reads as "<model>의 <component>" in Korean instead of its English node name."""
        if not isinstance(view, dict):
            return "" if view is None or isinstance(view, Undefined) else str(view)
        name = str(view.get("name") or view.get("id") or "")
        component = (view.get("attributes") or {}).get("component")
        if pattern is None or view.get("kind") != "weights" or not isinstance(component, str) or not component:
            return name
        suffix = " " + component.replace("_", " ")
        model = name[: -len(suffix)] if name.endswith(suffix) else name.split("#", 1)[0]
        return pattern.format(model=model, component=term(component))

    return named


def _environment(lang: str) -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=ChainableUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters["term"] = _term_filter(lang)
    env.filters["josa"] = josa
    env.filters["named"] = _named_filter(lang)
    return env


_ENVS: dict[str, SandboxedEnvironment] = {}


def _env(lang: str = "en") -> SandboxedEnvironment:
    if lang not in _ENVS:
        _ENVS[lang] = _environment(lang)
    return _ENVS[lang]


_ENV = _env("en")


@lru_cache(maxsize=2048)
def check_template(text: str) -> str | None:
    """Return a problem with `text` as a message template, or None when it is fine."""
    try:
        parsed = _ENV.parse(text)
    except TemplateSyntaxError as exc:
        return f"template syntax error on template line {exc.lineno}: {exc.message}"
    try:
        _ENV.compile(parsed)  # an unknown filter or test is found when compiling, not parsing
    except TemplateSyntaxError as exc:
        return f"template error on template line {exc.lineno}: {exc.message}"
    unknown = sorted(meta.find_undeclared_variables(parsed) - TEMPLATE_VARIABLES)
    if unknown:
        return (
            f"unknown template variable(s) {', '.join(unknown)}; "
            f"expected among {', '.join(sorted(TEMPLATE_VARIABLES))}"
        )
    return None


@lru_cache(maxsize=4096)
def _compiled(text: str, lang: str):
    return _env(lang).from_string(text)


def render(text: str, values: dict[str, Any], lang: str = "en") -> str:
    """Render a checked template (in `lang`, which picks the `term` filter's words); a render
    failure gives the raw text plus the reason, never a crash (the finding still stands)."""
    try:
        return " ".join(_compiled(text, lang).render(**values).split())
    except Exception as exc:  # odd attribute values from a graph must not crash a scan
        return f"{text} [message could not be rendered: {type(exc).__name__}: {exc}]"
