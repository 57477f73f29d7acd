"""Lint: clean on the shipped data, and each kind of fault caught on a small ontology built in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mgll_data.ontology import OntologyError, load_ontology, read_ontology
from mgll_data.ontology.lint import lint, odir_keywords

HEADER = "label\tpositive\tuncertain\tnegative\tnote\n"


def _finding(fid: str, modality: str = "cxr", parent: str | None = None, **extra) -> dict:
    entry = {
        "id": fid,
        "modality": modality,
        "kind": "disease",
        "display_name": fid.replace("_", " ").title(),
        "synonyms": [],
        "abbreviations": [],
        "parent": parent,
        "descriptions": [f"{fid} description"],
        "explanations": [f"{fid} explanation"],
    }
    entry.update(extra)
    return entry


def _good_findings() -> list[dict]:
    return [
        _finding("normal", modality="both", kind="normal", synonyms=["no finding"]),
        _finding("lung_opacity", kind="sign"),
        _finding("edema", parent="lung_opacity", synonyms=["pulmonary edema"]),
        _finding("glaucoma", modality="fundus", abbreviations=["GON"]),
    ]


def _good_rows() -> list[str]:
    return [
        "No Finding\tnormal\t\t\t",
        "Edema\tedema\t\t\t",
        "Lens dust\t-\t\t\tcamera artefact",
        "0\t\t\tedema\tabsent",
    ]


def _write(root: Path, findings: list[dict], rows: list[str]) -> Path:
    (root / "findings").mkdir(parents=True)
    (root / "maps").mkdir()
    (root / "findings" / "toy.yaml").write_text(yaml.safe_dump({"findings": findings}), encoding="utf-8")
    (root / "maps" / "toy.tsv").write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return root


def _kinds(root: Path, source_labels=None) -> list[str]:
    return [problem.kind for problem in lint(read_ontology(root), source_labels)]


def test_shipped_ontology_is_clean_against_real_odir_keywords(realdata):
    problems = lint(load_ontology(), {"odir_keyword": odir_keywords(realdata / "fundus/odir/full_df.csv")})
    assert [str(p) for p in problems] == []


def test_every_shipped_finding_has_text(realdata):
    findings = load_ontology().findings()
    assert all(f.descriptions and f.explanations for f in findings)
    assert len({f.descriptions[0] for f in findings}) == len(findings)


def test_constructed_good_ontology_is_clean(tmp_path):
    assert _kinds(_write(tmp_path, _good_findings(), _good_rows())) == []


def _with(findings: list[dict], fid: str, **changes) -> list[dict]:
    return [{**f, **changes} if f["id"] == fid else f for f in findings]


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        (_with(_good_findings(), "lung_opacity", synonyms=["Pulmonary  EDEMA"]), "duplicate_name"),
        (_with(_good_findings(), "lung_opacity", abbreviations=["no finding"]), "duplicate_name"),
        (_with(_good_findings(), "lung_opacity", display_name="Edema"), "duplicate_name"),
        (_with(_good_findings(), "edema", descriptions=[]), "missing_description"),
        (_with(_good_findings(), "edema", explanations=[]), "missing_explanation"),
        (_with(_good_findings(), "edema", parent="opacity"), "unknown_parent"),
        (_with(_good_findings(), "lung_opacity", parent="edema"), "parent_cycle"),
        (_with(_good_findings(), "edema", parent="glaucoma"), "parent_modality"),
        (_with(_good_findings(), "edema", descriptions=["bilateral perihilar edema"]), "specific_free_sentence"),
        (_with(_good_findings(), "edema", explanations=["edema seen on a PA view"]), "specific_free_sentence"),
        (_with(_good_findings(), "glaucoma", explanations=["an old glaucomatous cup"]), "specific_free_sentence"),
        (_with(_good_findings(), "edema", templates=[{"explanation": "edema in the {lobe}"}]), "unknown_slot"),
        (
            _with(_good_findings(), "edema", templates=[{"description": "left {view_name} edema"}]),
            "specific_template_text",
        ),
    ],
    ids=[
        "dup-synonym",
        "dup-abbreviation-vs-both",
        "dup-display-name",
        "no-description",
        "no-explanation",
        "bad-parent",
        "cycle",
        "cross-modality",
        "side-and-zone-in-free-sentence",
        "view-in-free-sentence",
        "lesion-age-in-free-sentence",
        "unknown-template-slot",
        "side-outside-template-slot",
    ],
)
def test_finding_faults_are_reported(tmp_path, findings, expected):
    assert expected in _kinds(_write(tmp_path, findings, _good_rows()))


def test_both_finding_needs_texts_for_each_modality(tmp_path):
    split = {"fundus": ["healthy fundus"]}
    findings = _with(_good_findings(), "normal", descriptions=split, explanations={"fundus": ["x"], "cxr": ["y"]})
    problems = lint(read_ontology(_write(tmp_path, findings, _good_rows())))
    assert [(p.kind, p.message) for p in problems] == [
        ("missing_description", "needs at least one level-2 description for cxr")
    ]


def test_texts_split_by_modality_only_for_both_findings(tmp_path):
    findings = _with(_good_findings(), "edema", descriptions={"cxr": ["edema"]})
    with pytest.raises(OntologyError, match="only for a `both` finding"):
        read_ontology(_write(tmp_path, findings, _good_rows()))


def test_same_name_in_two_modalities_is_allowed(tmp_path):
    findings = _with(_good_findings(), "glaucoma", synonyms=["pulmonary edema"])
    assert _kinds(_write(tmp_path, findings, _good_rows())) == []


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("Mass\tmass\t\t\t", "unknown_target"),
        ("Mass\t\tedema|lesion\t\t", "unknown_target"),
        ("Mass\t\t\t\t", "empty_map_row"),
        ("Mass\t\t\t\tforgot the ids", "empty_map_row"),
        ("Mass\t-\t\t\t", "no_finding_without_note"),
        ("Mass\t-\t\tedema\tnone", "contradictory_row"),
        ("  EDEMA \tedema\t\t\t", "duplicate_label"),
    ],
)
def test_map_faults_are_reported(tmp_path, row, expected):
    kinds = _kinds(_write(tmp_path, _good_findings(), [*_good_rows(), row]))
    assert kinds == [expected]


def test_every_problem_is_listed_not_just_the_first(tmp_path):
    findings = _with(_with(_good_findings(), "edema", descriptions=[]), "glaucoma", parent="nowhere")
    kinds = _kinds(_write(tmp_path, findings, [*_good_rows(), "Mass\t\t\t\t", "Nodule\tnodule\t\t\t"]))
    assert sorted(kinds) == ["empty_map_row", "missing_description", "unknown_parent", "unknown_target"]


def test_source_label_missing_from_map_is_reported(tmp_path):
    root = _write(tmp_path / "onto", _good_findings(), _good_rows())
    odir = tmp_path / "full_df.csv"
    odir.write_text(
        "ID,Left-Diagnostic Keywords,Right-Diagnostic Keywords\n"
        "0,edema\uff0clens dust,No Finding\n"
        "1,Lens  Dust\uff0c macular hole,retina fold\n",
        encoding="utf-8",
    )
    assert odir_keywords(odir) == {"edema", "lens dust", "No Finding", "Lens  Dust", "macular hole", "retina fold"}
    problems = lint(read_ontology(root), {"toy": odir_keywords(odir)})
    assert sorted((p.kind, p.message) for p in problems) == [
        ("unmapped_source_label", "source label 'macular hole' is not in the map"),
        ("unmapped_source_label", "source label 'retina fold' is not in the map"),
    ]
    assert [p.kind for p in lint(read_ontology(root), {"nope": ["x"]})] == ["missing_vocabulary"]


def test_odir_reader_names_file_on_wrong_layout(tmp_path):
    wrong = tmp_path / "full_df.csv"
    wrong.write_text("ID,Keywords\n0,cataract\n", encoding="utf-8")
    with pytest.raises(OntologyError, match=r"full_df\.csv.*Left-Diagnostic Keywords"):
        odir_keywords(wrong)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f.update(modality="eye"), "modality 'eye'"),
        (lambda f: f.update(kind="illness"), "kind 'illness'"),
        (lambda f: f.pop("display_name"), "display_name"),
        (lambda f: f.update(synonym=["x"]), "unknown key"),
        (lambda f: f.update(synonyms="oedema"), "synonyms must be a list"),
    ],
)
def test_structural_finding_errors_name_the_file(tmp_path, mutate, message):
    findings = _good_findings()
    mutate(findings[2])
    root = _write(tmp_path, findings, _good_rows())
    with pytest.raises(OntologyError, match=message) as caught:
        read_ontology(root)
    assert "toy.yaml" in str(caught.value) and "edema" in str(caught.value)


def test_structural_map_errors_name_the_file_and_line(tmp_path):
    root = _write(tmp_path, _good_findings(), ["Edema\tedema\t\t\tnote\textra"])
    with pytest.raises(OntologyError, match=r"toy\.tsv: line 2"):
        read_ontology(root)
    (root / "maps" / "toy.tsv").write_text("label,positive\nEdema,edema\n", encoding="utf-8")
    with pytest.raises(OntologyError, match=r"toy\.tsv.*header"):
        read_ontology(root)


def test_duplicate_id_and_missing_folders_are_errors(tmp_path):
    root = _write(tmp_path / "a", [*_good_findings(), _finding("edema")], _good_rows())
    with pytest.raises(OntologyError, match="'edema' is defined twice"):
        read_ontology(root)
    with pytest.raises(OntologyError, match="findings/ and maps/"):
        read_ontology(tmp_path / "missing")


def test_specific_words_of_the_display_name_and_filled_slots_are_allowed(tmp_path):
    """A finding that is itself a sub-type may say so; a template names the view through its slot."""
    findings = [
        *_good_findings(),
        _finding("tension_pneumothorax", descriptions=["tension pneumothorax with mediastinal shift"]),
        _finding(
            "cardiomegaly",
            templates=[{"explanation": "large heart on this {view_name} view", "when": {"view_name": ["PA"]}}],
        ),
    ]
    assert _kinds(_write(tmp_path, findings, _good_rows())) == []
