"""Engine-level rules: the safety net every pack gets, whatever it says.

Unknown is never pass: an upstream that could not be fetched, or a licence nobody can read the
terms of, leaves its criterion at `review`. Packs cannot disable or override these rules; they
are written in the same rule language as the packs so `sovscan rules show` explains them alike.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from scanner.rules.conditions import Where
from scanner.rules.loader import compile_rule, parse_located, schema_check
from scanner.rules.schema import Rule

ENGINE_PACK_ID = "engine"

_ENGINE_RULES = """
- id: engine.unresolved-node
  title: An upstream could not be resolved
  criterion: policy
  severity: review
  when: {resolved: false}
  message: >-
    {{ node.id }} could not be resolved, so its licence and terms are unknown
    (reached through {{ path | join(' -> ') }}).
  remediation: >-
    Make the repository reachable (network, cache or a token for a gated repository) and scan
    again, or record its licence facts and waive this finding with a reason.
  source: "sovscan engine: an unreadable dependency is never a pass"
  translations:
    ko:
      message: >-
        {{ node.id | josa('을/를') }} 확인하지 못해 라이선스와 이용 조건을 알 수
        없습니다(경로: {{ path | join(' -> ') }}).
      remediation: >-
        저장소에 접근할 수 있게 한 뒤(네트워크, 캐시 또는 게이트 저장소용 토큰) 다시 스캔하거나,
        라이선스 사실을 기록하고 사유와 함께 이 결과를 예외 처리하십시오.
- id: engine.unresolved-lineage
  title: The weight lineage stops at an unresolved model
  criterion: technical
  severity: review
  via: [containment, inheritance]
  when: {resolved: false, is_target: false}
  message: >-
    The weights of {{ target.name }} lead to {{ node.id }}, which could not be resolved, so
    whether its weights were trained independently cannot be decided.
  remediation: Resolve the upstream repository (or its fingerprints) and scan again.
  source: "sovscan engine: an unreadable dependency is never a pass"
  translations:
    ko:
      message: >-
        {{ target.name }}의 가중치 계보가 확인할 수 없는 {{ node.id }}에 이르므로, 그 가중치를
        독자적으로 학습했는지 판정할 수 없습니다.
      remediation: 상위 저장소(또는 그 지문)를 확인할 수 있게 한 뒤 다시 스캔하십시오.
- id: engine.unknown-licence
  title: A declared licence is not in the knowledge base
  criterion: policy
  severity: review
  when: {licence.known: false}
  message: >-
    {{ node.name }} declares the licence '{{ node.licence }}', which the licence knowledge base
    does not know, so its termination, amendment and control clauses cannot be judged.
  remediation: >-
    Identify the licence text (LICENSE file, license_link) and add it to the knowledge base, or
    review the terms by hand and record the outcome as a waiver.
  source: "sovscan engine: unknown terms are never a pass"
  translations:
    ko:
      message: >-
        {{ node | named | josa('이/가') }} 선언한 라이선스('{{ node.licence }}')는 라이선스 지식 베이스에 없어,
        해지·변경·통제 조항을 판정할 수 없습니다.
      remediation: >-
        라이선스 원문(LICENSE 파일, license_link)을 확인해 지식 베이스에 추가하거나, 조건을 직접
        검토하고 그 결과를 예외(waiver)로 기록하십시오.
- id: engine.unknown-upstream-duties
  title: The licence duties of an inherited part are unknown
  criterion: ethics
  severity: review
  via: [containment, inheritance]
  when:
    is_target: false
    same_supplier: false
    kind: [model, weights]
    any:
      - licence.known: false
      - {resolved: false}
      - {kind: model, resolved: true, licence.declared: false}
  message: >-
    {{ target.name }} contains weights of {{ node.name }}, whose licence
    {{ "'" ~ node.licence ~ "' is not in the knowledge base" if node.licence else "is not known" }},
    so whether its licence duties (notices, licence copy, naming) are honoured cannot be checked.
  remediation: Identify the upstream licence and check its duties against the model's files.
  source: "kr-sovereign-2026 ethics criterion; sovscan engine: unknown is never pass"
  translations:
    ko:
      message: >-
        {{ target.name }}에는 {{ node | named }}의 가중치가 들어 있지만, 그
        {{ "라이선스 '" ~ node.licence ~ "'는 지식 베이스에 없어" if node.licence else "라이선스를 알 수 없어" }}
        라이선스 의무(고지, 라이선스 사본, 이름 표기)를 지키는지 확인할 수 없습니다.
      remediation: 상위 모델의 라이선스를 확인하고 그 의무를 모델 파일과 대조하십시오.
- id: engine.no-licence
  title: No licence declared
  criterion: policy
  severity: review
  when:
    kind: [model, code, dataset, package]
    resolved: true
    licence.declared: false
  message: >-
    {{ node.name }} ({{ node.kind }}) declares no licence, so the terms under which it may be
    used are unknown.
  remediation: >-
    Ask the supplier for the licence, or find it in the repository (LICENSE file, card
    metadata) and scan again.
  source: "kr-sovereign-2026 ethics and policy criteria; sovscan engine: no licence is never a pass"
  translations:
    ko:
      message: >-
        {{ node | named }}({{ node.kind | term }})에 선언된 라이선스가 없어, 어떤 조건으로 사용할 수
        있는지 알 수 없습니다.
      remediation: >-
        공급자에게 라이선스를 요청하거나, 저장소(LICENSE 파일, 카드 메타데이터)에서 찾아 다시
        스캔하십시오.
"""


@lru_cache(maxsize=None)
def _raw() -> tuple[list[dict[str, Any]], dict[tuple, int]]:
    data, lines = parse_located(_ENGINE_RULES, "<engine rules>")
    return data, lines


def engine_rules(parameters: dict[str, Any]) -> list[Rule]:
    """The engine rules compiled against a pack's parameters (for `max_hops`)."""
    data, lines = _raw()
    out = []
    for i, entry in enumerate(data):
        schema_check({"id": "engine", "version": "1", "title": "engine", "rules": [entry]},
                     "rule-pack.schema.json", "<engine rules>", {}, "a rule")
        out.append(compile_rule(entry, Where("<engine rules>", lines, (i,)), ENGINE_PACK_ID, parameters))
    return out
