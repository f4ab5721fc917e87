"""The loss-log check: first losses against ln(V)."""

from __future__ import annotations

import json
import math

import pytest

from scanner.weights.training_log import TrainingLogError, judge, parse_log, vocab_size_from_config

V = 151_552  # ln V = 11.93


def test_from_scratch_log_near_ln_v() -> None:
    pts = parse_log("step,loss\n1,12.6\n2,12.4\n3,12.1\n", "loss.csv")
    v = judge(pts, V, "loss.csv")
    assert v.verdict == "from_scratch" and v.first_loss == 12.6 and abs(v.ln_vocab - math.log(V)) < 1e-9


def test_continued_pretraining_log_far_below_ln_v() -> None:
    text = "\n".join(json.dumps({"iteration": i, "lm_loss": 2.4 - 0.01 * i}) for i in range(1, 6))
    v = judge(parse_log(text, "metrics.jsonl"), V, "metrics.jsonl")
    assert v.verdict == "from_trained" and "trained weights" in v.reason


def test_late_start_or_unknown_vocab_is_inconclusive() -> None:
    pts = parse_log(json.dumps({"log_history": [{"step": 5000, "loss": 2.0}]}), "trainer_state.json")
    assert judge(pts, V, "t").verdict == "inconclusive"
    assert judge(parse_log("loss\n2.0\n", "a_loss.csv"), None, "a").verdict == "inconclusive"
    assert judge(parse_log("loss\n9.5\n", "a_loss.csv"), V, "a").verdict == "inconclusive"


def test_unparseable_logs_raise() -> None:
    with pytest.raises(TrainingLogError):
        parse_log("step,accuracy\n1,0.5\n", "loss.csv")
    with pytest.raises(TrainingLogError):
        parse_log("{oops", "trainer_state.json")


def test_vocab_size_from_nested_config() -> None:
    assert vocab_size_from_config({"text_config": {"vocab_size": 32000}}) == 32000
    assert vocab_size_from_config({"vocab_size": True}) is None
