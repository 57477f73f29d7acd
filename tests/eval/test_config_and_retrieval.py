"""Eval config errors name the file and key; retrieval on constructed embeddings with shared texts."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from mgll_data.cli import main
from mgll_data.errors import RecipeError
from mgll_data.eval.config import load_eval_config
from mgll_data.eval.retrieval import retrieval_scores, text_candidates


def _write(tmp_path, text: str):
    path = tmp_path / "eval.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_config_resolves_paths_against_its_folder(tmp_path):
    (tmp_path / "data").mkdir()
    config = load_eval_config(_write(tmp_path, "checkpoint: run/ckpt\ndataset: data\nfractions: [1.0, 0.1]\n"))
    assert config.checkpoint == str(tmp_path / "run" / "ckpt")
    assert config.dataset == str(tmp_path / "data")
    assert config.output_dir == str(tmp_path / "runs" / "eval")
    assert config.fractions == [0.1, 1.0]
    assert config.labels == "auto" and config.class_texts == "ontology"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("checkpoint: c\ntaskz: [zero_shot]\n", r"taskz: unknown key \(allowed keys: .*tasks"),
        ("dataset: d\n", "checkpoint: required key is missing"),
        ("checkpoint: c\ntasks: [zero_shot, probe]\n", r"tasks\.1: got 'probe', allowed values: 'linear_probe'"),
        ("checkpoint: c\nfractions: [0.0, 1.0]\n", r"fractions: .*in \(0, 1\]"),
        ("checkpoint: c\nlabels: []\n", "labels"),
        ("checkpoint: c\nclass_texts: umls\n", "class_texts: got 'umls'"),
        ("checkpoint: c\nfine_tune: {epochs: 0}\n", r"fine_tune\.epochs"),
        ("- just\n- a list\n", "expected a YAML mapping"),
    ],
)
def test_config_mistakes_are_recipe_errors_naming_file_and_key(tmp_path, text, expected):
    path = _write(tmp_path, text)
    with pytest.raises(RecipeError, match=expected) as caught:
        load_eval_config(path)
    assert str(path) in str(caught.value)


def test_cli_reports_a_missing_checkpoint_as_one_message(tmp_path, monkeypatch, capsys):
    path = _write(tmp_path, "checkpoint: nowhere\ndataset: nowhere\n")
    monkeypatch.setattr(sys, "argv", ["mgll-data", "eval", str(path)])
    with pytest.raises(SystemExit) as caught:
        main()
    assert caught.value.code == 2
    stderr = capsys.readouterr().err
    assert "Traceback" not in stderr
    assert str(tmp_path / "nowhere") in stderr.replace("\n", "") and "checkpoint" in stderr


def test_text_candidates_deduplicate_shared_strings():
    texts, positives = text_candidates([["normal"], ["effusion", "cardiomegaly"], ["normal"], []])
    assert texts == ["normal", "effusion", "cardiomegaly"]
    expected = np.array([[1, 0, 0], [0, 1, 1], [1, 0, 0], [0, 0, 0]], dtype=bool)
    np.testing.assert_array_equal(positives, expected)


def test_retrieval_on_constructed_embeddings():
    rng = np.random.default_rng(0)
    # 30 images of 10 captions (3 images share each caption); images sit near their caption's embedding
    captions = [[f"caption {i % 10}"] for i in range(30)]
    texts, positives = text_candidates(captions)
    text_embeddings = np.linalg.qr(rng.normal(size=(16, 16)))[0][:10]
    image_embeddings = text_embeddings[[i % 10 for i in range(30)]] + rng.normal(scale=0.05, size=(30, 16))
    image_embeddings /= np.linalg.norm(image_embeddings, axis=1, keepdims=True)
    perfect = retrieval_scores(image_embeddings, text_embeddings, positives)
    assert perfect["i2t_R@1"] == 1.0 and perfect["t2i_R@1"] == 1.0
    # text-to-image: any of the 3 images of a caption is a hit, so R@1 stays perfect despite 3 positives
    shuffled = retrieval_scores(image_embeddings, text_embeddings[rng.permutation(10)], positives)
    assert shuffled["i2t_R@1"] < 0.5
    assert shuffled["i2t_R@10"] == 1.0  # all 10 texts fit in the top 10


def test_eval_cli_set_overrides_reach_the_config_and_name_bad_keys(tmp_path, monkeypatch, capsys):
    path = _write(tmp_path, "checkpoint: run\nfractions: [1.0]\n")
    config = load_eval_config(path, ["fractions=[0.5, 1.0]", "probe.C=2", "checkpoint=other"])
    assert config.fractions == [0.5, 1.0] and config.probe.C == 2.0 and config.checkpoint == str(tmp_path / "other")
    monkeypatch.setattr(sys, "argv", ["mgll-data", "eval", str(path), "--set", "probe.max_iters=2"])
    with pytest.raises(SystemExit) as caught:
        main()
    stderr = capsys.readouterr().err
    assert caught.value.code == 2 and "Traceback" not in stderr
    assert "probe.max_iters: unknown key" in stderr and "did you mean 'max_iter'?" in stderr
