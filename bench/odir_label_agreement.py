"""How often the OR of both eyes' keyword labels equals ODIR's patient-level N..O columns.

ODIR's class columns are per patient; mgll-data labels each eye from its own keywords. This script maps
each eye's ontology ids back to class letters (an id counts for a class when it is the class's id or a
descendant of it; any other finding counts as O; no-finding keywords and image-quality findings count for
nothing), ORs the two eyes and compares with the columns (also with N read as "no other class in either
eye", which is how the columns mark N), overall (all eight letters equal) and per class.

    .venv/bin/python bench/odir_label_agreement.py [ROOT]     # default: ../shared/realdata/fundus/odir
"""

from __future__ import annotations

import sys
from pathlib import Path

from mgll_data.ontology import load_ontology
from mgll_data.sources.odir import OdirSource, label_eye, read_annotations, split_keywords
from mgll_data.sources.spec import layout_spec

DEFAULT_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "realdata" / "fundus" / "odir"


def eye_letters(ids: list[str], ontology, class_ids: dict[str, str]) -> set[str]:
    """The ODIR class letters that a set of ontology ids falls under."""
    letters = set()
    for finding in ids:
        if ontology[finding].kind == "quality":
            continue  # a remark about the photograph ("lens dust"), not a class of the eye
        lineage = {finding, *ontology.ancestors(finding)}
        matched = {letter for letter, class_id in class_ids.items() if class_id in lineage and letter != "O"}
        letters |= matched or {"O"}
    return letters


def agreement(root: Path, count_uncertain: bool, exclusive_normal: bool) -> dict[str, object]:
    ontology = load_ontology()
    letters = list(layout_spec("odir")["class_columns"])
    class_ids = {letter: ontology.map_label("odir_class", letter).positive[0] for letter in letters}
    table = read_annotations(OdirSource(root).annotations).drop_duplicates("id")
    exact, per_class = 0, {letter: [0, 0, 0] for letter in letters}  # agree, only columns, only eyes
    for row in table.itertuples(index=False):
        derived: set[str] = set()
        for cell in (row.left_keywords, row.right_keywords):
            eye = label_eye(split_keywords(cell)).labels
            ids = [*eye.positive, *(eye.uncertain if count_uncertain else [])]
            derived |= eye_letters(ids, ontology, class_ids)
        if exclusive_normal and derived - {"N"}:
            derived.discard("N")  # ODIR marks a patient N only when no eye has any finding
        given = {letter for letter in letters if int(getattr(row, letter))}
        exact += derived == given
        for letter in letters:
            slot = 0 if (letter in derived) == (letter in given) else (1 if letter in given else 2)
            per_class[letter][slot] += 1
    return {"patients": len(table), "exact": exact, "per_class": per_class}


def main(root: Path) -> None:
    for count_uncertain, exclusive_normal in ((True, False), (True, True), (False, True)):
        result = agreement(root, count_uncertain, exclusive_normal)
        n = result["patients"]
        mode = "uncertain ('suspected ...') counted as positive" if count_uncertain else "positives only"
        mode += ", N only when no other class" if exclusive_normal else ", plain OR"
        print(f"{root}: {n} patients, {mode}")
        print(f"  all eight classes equal: {result['exact']} / {n} = {result['exact'] / n:.2%}")
        for letter, (agree, only_columns, only_eyes) in result["per_class"].items():
            print(f"  {letter}: agree {agree / n:.2%}  (column only {only_columns}, eyes only {only_eyes})")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_ROOT)
