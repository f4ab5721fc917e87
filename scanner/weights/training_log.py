"""The loss-log check: did training start from random weights or from trained ones?

A language model trained from scratch starts at a cross-entropy of about ln V nats (V = vocabulary
size; ln V + sigma^2/2 with the usual init), then falls within hundreds of steps. Continued
pretraining of an existing model starts near the parent's converged loss, a few nats. So the
first logged losses, compared with ln V, tell the two apart, provided the log starts early
(first logged step <= MAX_FIRST_STEP) and is in nats per token. Logs are self-reported: a
from-scratch verdict is supporting evidence only; a from-trained verdict is a finding.

Readers: CSV with a `loss` (or `train_loss`, `train/loss`, `lm_loss`) column and an optional
`step` column, JSON Lines records with such a field, and `trainer_state.json` (`log_history`)
of the transformers Trainer. TensorBoard event files are not read: no light reader exists
without TensorFlow or tensorboard, which are too heavy a dependency for this check.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass
from typing import Any

#: first loss >= ln V - this: consistent with random initialisation.
SCRATCH_MARGIN = 0.5
#: first loss <= ln V - this: training started from trained weights.
TRAINED_MARGIN = 3.0
#: A log whose first entry is after this step cannot show the initial loss.
MAX_FIRST_STEP = 100

_LOSS_KEYS = ("loss", "train_loss", "train/loss", "training_loss", "lm_loss", "train/lm_loss")
_STEP_KEYS = ("step", "global_step", "iteration", "iter", "_step", "train/global_step")
LOG_NAME_RE = re.compile(r"(^|/)(trainer_state\.json|[^/]*loss[^/]*\.(csv|jsonl|tsv)|[^/]*(train|log|metrics)[^/]*\.jsonl)$", re.I)


class TrainingLogError(Exception):
    """A log file could not be parsed into (step, loss) points."""


@dataclass(frozen=True)
class LossPoint:
    step: int | None
    loss: float


@dataclass(frozen=True)
class LossVerdict:
    """`verdict` is `from_trained`, `from_scratch` or `inconclusive`."""

    first_loss: float
    first_step: int | None
    ln_vocab: float | None
    vocab_size: int | None
    verdict: str
    reason: str
    points: int
    path: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "first_loss": round(self.first_loss, 4),
            "first_step": self.first_step,
            "ln_vocab": None if self.ln_vocab is None else round(self.ln_vocab, 4),
            "vocab_size": self.vocab_size,
            "verdict": self.verdict,
            "reason": self.reason,
            "points": self.points,
            "path": self.path,
        }


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        v = float(value)
    elif isinstance(value, str):
        try:
            v = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return v if math.isfinite(v) else None


def _point(rec: dict[str, Any]) -> LossPoint | None:
    loss = next((_num(rec[k]) for k in _LOSS_KEYS if k in rec and _num(rec[k]) is not None), None)
    if loss is None:
        return None
    step_v = next((_num(rec[k]) for k in _STEP_KEYS if k in rec and _num(rec[k]) is not None), None)
    return LossPoint(None if step_v is None else int(step_v), loss)


def parse_log(text: str, name: str) -> list[LossPoint]:
    """(step, loss) points of a CSV/TSV, JSON Lines or trainer_state.json log, sorted by step."""
    points: list[LossPoint] = []
    lower = name.lower()
    if lower.endswith(".json"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, over-long integers, deep nesting
            raise TrainingLogError(f"{name}: not JSON ({type(exc).__name__}: {str(exc)[:120]})") from exc
        history = data.get("log_history") if isinstance(data, dict) else data
        if not isinstance(history, list):
            raise TrainingLogError(f"{name}: no log_history list")
        points = [p for rec in history if isinstance(rec, dict) and (p := _point(rec))]
    elif lower.endswith(".jsonl"):
        for number, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except (ValueError, RecursionError) as exc:  # a corrupt line is reported, not skipped
                raise TrainingLogError(f"{name}: line {number} is not JSON ({type(exc).__name__}: {str(exc)[:120]})") from exc
            if isinstance(rec, dict) and (p := _point(rec)):
                points.append(p)
    else:
        dialect = "excel-tab" if lower.endswith(".tsv") or ("\t" in text.split("\n", 1)[0]) else "excel"
        reader = csv.DictReader(io.StringIO(text), dialect=dialect)
        if reader.fieldnames is None:
            raise TrainingLogError(f"{name}: empty CSV")
        for row in reader:
            rec = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
            if p := _point(rec):
                points.append(p)
    if not points:
        raise TrainingLogError(f"{name}: no loss values found (looked for {', '.join(_LOSS_KEYS)})")
    if all(p.step is not None for p in points):
        points.sort(key=lambda p: p.step)  # type: ignore[arg-type,return-value]
    return points


def judge(points: list[LossPoint], vocab_size: int | None, path: str) -> LossVerdict:
    """Compare the first logged losses with ln V."""
    first = points[0]
    head = [p.loss for p in points[:3]]
    first_loss = head[0]
    if not vocab_size or vocab_size < 2:
        return LossVerdict(first_loss, first.step, None, vocab_size, "inconclusive", "vocabulary size unknown", len(points), path)
    ln_v = math.log(vocab_size)
    if first.step is not None and first.step > MAX_FIRST_STEP:
        return LossVerdict(
            first_loss, first.step, ln_v, vocab_size, "inconclusive",
            f"log starts at step {first.step}, after the initial loss", len(points), path,
        )
    if max(head) <= ln_v - TRAINED_MARGIN:
        verdict, reason = "from_trained", (
            f"first losses {', '.join(f'{x:.3g}' for x in head)} are far below ln V = {ln_v:.3g}: "
            "training started from trained weights"
        )
    elif first_loss >= ln_v - SCRATCH_MARGIN:
        verdict, reason = "from_scratch", (
            f"first loss {first_loss:.3g} is near or above ln V = {ln_v:.3g}, as expected from random initialisation"
        )
    else:
        verdict, reason = "inconclusive", f"first loss {first_loss:.3g} is between the two regimes (ln V = {ln_v:.3g})"
    return LossVerdict(first_loss, first.step, ln_v, vocab_size, verdict, reason, len(points), path)


def vocab_size_from_config(config: dict[str, Any]) -> int | None:
    """`vocab_size` from a config.json, also inside `text_config` / `llm_config`."""
    for holder in (config, config.get("text_config"), config.get("llm_config"), config.get("language_config")):
        if isinstance(holder, dict):
            v = holder.get("vocab_size")
            if isinstance(v, int) and not isinstance(v, bool) and v > 1:
                return v
    return None
