"""The ConText decision on the public NegEx test set (vendored under tests/text/data, see its README)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mgll_data.errors import MgllError
from mgll_data.text.assertion_corpus import evaluate_negex, main, read_negex_corpus

NEGEX = Path(__file__).parent / "data" / "negex_rsAnnotations-1-120-random.txt.gz"


def test_negation_f1_on_the_negex_test_set() -> None:
    scores, items, decisions, unfound = evaluate_negex(NEGEX)
    assert len(items) + len(unfound) == 2376  # every annotated row is scored or listed
    assert len(unfound) == 11  # conditions the annotators wrote differently from their sentence
    negation = next(s for s in scores if s.finding == "status:negative")
    assert negation.tp + negation.fn == 491  # every negated row is among the scored ones
    assert len(decisions) == len(items)
    assert negation.f1 >= 0.96, f"negation F1 {negation.f1:.4f}"


def test_a_row_in_another_layout_is_a_clear_error(tmp_path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("id\tcondition\tsentence\n1\tpneumonia\tNo pneumonia.\n")
    with pytest.raises(MgllError, match="bad.txt: expected the NegEx test-set layout"):
        read_negex_corpus(bad)
    odd = tmp_path / "odd.txt"
    odd.write_text("n\tc\ts\tneg\ttemp\texp\n1\tpneumonia\tNo pneumonia.\tDenied\tRecent\tPatient\n")
    with pytest.raises(MgllError, match="odd.txt:2: unknown annotation value 'denied'"):
        read_negex_corpus(odd)


def test_a_condition_is_found_whatever_its_spacing_and_case() -> None:
    items, _ = read_negex_corpus(NEGEX)
    spaced = next(i for i in items if "45  DEGREE" in i.sentence)
    assert spaced.sentence[spaced.start : spaced.end].startswith("OSTEOCHONDRAL IRREGULARITY")
    assert spaced.sentence[spaced.end - len("CONDYLES") : spaced.end] == "CONDYLES"


def test_errors_lists_the_rows_misjudged_on_any_axis_value(monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.argv", ["assertion_corpus", str(NEGEX), "--errors", "historical"])
    main()
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("row ")]
    assert rows and all(("gold historical" in r) != ("ours historical" in r) for r in rows)
