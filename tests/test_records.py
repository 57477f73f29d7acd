"""The typed records that cross stages: JSON in and out at the file edges, one reject constructor."""

from __future__ import annotations

import pytest

from mgll_data.records import CompletionRecord, EvalResult, ModalityResult, Reject


def test_a_completion_record_survives_its_json_and_its_rejects_stay_checked():
    record = CompletionRecord(
        key="k",
        file="data/train-00000-of-00001.parquet",
        split="train",
        rows=2,
        bytes=10,
        sha256="ab",
        by_source={"odir": 2},
        rejects=[Reject("odir", "a.jpg", "image", "truncated", "ends early", "odir/a")],
        text_filters={"redaction": 1},
        flagged={"odir": {"eye_mismatch": 1}},
    )
    assert CompletionRecord.from_json(record.to_json()) == record
    damaged = {**record.to_json(), "rejects": [{**record.rejects[0].as_row(), "stage": "plan"}]}
    with pytest.raises(ValueError):  # a reason used at a stage the registry does not allow
        CompletionRecord.from_json(damaged)
    with pytest.raises(KeyError):
        CompletionRecord.from_json({"key": "k"})


def test_an_eval_result_leaves_out_tasks_not_run_but_keeps_every_score():
    block = ModalityResult(n_test=4, labels=["glaucoma"], linear_probe={"1": {"auc_macro": None, "accuracy": 0.5}})
    result = EvalResult("c", "f", "d", "train", "test", 0, {}, ["linear_probe"], {"checked": True}, 4, "rule")
    result.modalities["fundus"] = block
    data = result.to_json()
    assert "n_train" not in data and "zero_shot" not in data["modalities"]["fundus"]
    assert data["modalities"]["fundus"]["linear_probe"] == {"1": {"auc_macro": None, "accuracy": 0.5}}
