"""Accuracy on the Open-i manual labels (dev part): micro-F1 over the 14 ChestX-ray14 findings."""

from __future__ import annotations

from mgll_data.text.evaluate import evaluate, micro


def test_micro_f1_on_openi_dev(realdata) -> None:
    scores, cases = evaluate(realdata / "reports")
    assert len(cases) == 3080
    assert len(scores) == 14
    total = micro(scores)
    assert total.tp + total.fn == 1023  # positives in the gold file: the join lost no report
    assert total.f1 >= 0.95, f"micro-F1 {total.f1:.4f}"
