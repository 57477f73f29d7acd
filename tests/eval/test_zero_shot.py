"""Zero-shot scoring on embeddings where the right class is known by construction."""

from __future__ import annotations

import numpy as np

from mgll_data.demo.shapes_tree import shape_rules
from mgll_data.eval.metrics import classify
from mgll_data.eval.synthetic import SyntheticClassTexts
from mgll_data.eval.zero_shot import class_prototypes, prompt_embeddings, zero_shot_scores
from mgll_data.ontology import load_ontology


class _Texts:
    """Two prompts per class; `empty` has none."""

    def texts(self, class_id, granularity):
        return [] if class_id == "empty" else [f"{class_id} {granularity} a", f"{class_id} {granularity} b"]


def test_prompt_ensemble_recovers_the_class_of_each_image():
    rng = np.random.default_rng(0)
    axes = {"cat": np.eye(8)[0], "dog": np.eye(8)[1], "owl": np.eye(8)[2]}

    def encode(texts):
        # each prompt = its class axis plus prompt-specific noise; the ensemble averages the noise away
        return np.stack([axes[t.split()[0]] * 2 + rng.normal(scale=0.5, size=8) for t in texts])

    per_class, missing = prompt_embeddings(_Texts(), ["cat", "dog", "owl", "empty"], "descriptions", encode)
    assert missing == ["empty"]
    prototypes = class_prototypes(per_class[:3])
    np.testing.assert_allclose(np.linalg.norm(prototypes, axis=1), 1.0)
    labels = rng.integers(0, 3, size=60)
    images = np.stack([list(axes.values())[k] for k in labels]) * 5 + rng.normal(scale=0.3, size=(60, 8))
    scores = zero_shot_scores(images, prototypes)
    y = np.eye(3, dtype=bool)[labels]
    result = classify(y, scores, ["cat", "dog", "owl"], calibrated=False)
    assert result.auc_macro == 1.0
    assert (result.accuracy, result.accuracy_kind) == (1.0, "top1")
    # a shuffled prototype order gives the wrong answer: the test can fail
    wrong = classify(y, zero_shot_scores(images, prototypes[[1, 2, 0]]), ["cat", "dog", "owl"], calibrated=False)
    assert wrong.auc_macro < 0.5


def test_synthetic_vocabulary_provides_three_granularities():
    provider = SyntheticClassTexts(disease_prompt=lambda name, modality: f"an image of {name}")
    rules = shape_rules()
    assert provider.texts("shape_circle", "disease_text") == ["an image of Circle"]
    descriptions = provider.texts("shape_circle", "descriptions")
    assert len(descriptions) == len(rules.sizes) * len(rules.positions)
    assert "a large circle in the upper left" in descriptions
    assert provider.texts("shape_dots", "explanations") == list(load_ontology()["shape_dots"].explanations)


def test_ontology_prompts_use_the_findings_own_modality_template():
    from mgll_data.eval.zero_shot import OntologyClassTexts
    from mgll_data.ontology import load_ontology

    ontology = load_ontology()
    provider = OntologyClassTexts(lambda name, modality: f"[{modality}] {name}")
    glaucoma = ontology["glaucoma"]
    assert provider.texts("glaucoma", "disease_text") == [f"[fundus] {glaucoma.display_name}"]
    assert provider.texts("glaucoma", "descriptions") == list(glaucoma.descriptions)
    assert provider.texts("glaucoma", "explanations") == list(glaucoma.explanations)
    both = next(f for f in ontology.findings() if f.modality == "both")
    assert provider.texts(both.id, "disease_text") == [f"[None] {both.display_name}"]


def test_unknown_class_ids_are_user_errors():
    import pytest

    from mgll_data.errors import MgllError
    from mgll_data.eval.zero_shot import OntologyClassTexts

    with pytest.raises(MgllError, match="shape_hexagon"):
        SyntheticClassTexts().texts("shape_hexagon", "descriptions")
    with pytest.raises(MgllError, match="no_such_finding"):
        OntologyClassTexts().texts("no_such_finding", "descriptions")


def test_class_centering_exposes_prototypes_that_all_point_the_same_way():
    from mgll_data.eval.zero_shot import class_centered

    rng = np.random.default_rng(3)
    y = rng.random((200, 4)) < 0.4
    # one shared "something is there" direction: the score grows with the number of findings, for every class
    shared = y.sum(axis=1, keepdims=True) + rng.normal(scale=0.3, size=(200, 1))
    same_way = np.repeat(shared, 4, axis=1) + rng.normal(scale=0.01, size=(200, 4))
    plain = classify(y, same_way, "abcd", calibrated=False).auc_macro
    centered = classify(y, class_centered(same_way), "abcd", calibrated=False).auc_macro
    assert plain > 0.65 and abs(centered - 0.5) < 0.1
    specific = y + rng.normal(scale=0.3, size=y.shape)
    assert classify(y, class_centered(specific), "abcd", calibrated=False).auc_macro > 0.9
