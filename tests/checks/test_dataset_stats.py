"""Statistics of a built folder: counts, prevalence, text lengths, duplicate clusters, rejects, views."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from export.output_fixture import default_records, make_record, write_output
from PIL import Image
from typer.testing import CliRunner

from mgll_data.checks import stats as stats_module
from mgll_data.checks.stats import compute_stats, write_report
from mgll_data.cli import app
from mgll_data.errors import ValidationError


def test_counts_prevalence_rejects_and_views(output_dir):
    result = compute_stats(output_dir)
    records = default_records()
    assert result["rows"] == len(records)
    expected = Counter((r["source"], r["split"]) for r in records)
    assert {(s, sp): n for s, c in result["by_source_split"].items() for sp, n in c.items()} == dict(expected)
    assert result["by_modality_split"] == {"cxr": {"train": 2, "test": 1}, "fundus": {"train": 2, "validation": 1}}
    train = result["label_prevalence"]["cxr"]["train"]
    assert train["rows"] == 2  # the chest X-rays of train, not all four train rows
    assert train["labels"]["cardiomegaly"] == {"positive": 1, "uncertain": 1, "negative": 0, "prevalence": 0.5}
    assert result["label_prevalence"]["cxr"]["test"]["labels"]["pneumothorax"]["negative"] == 1
    assert result["label_prevalence"]["fundus"]["train"]["labels"]["diabetic_retinopathy"]["prevalence"] == 0.5
    assert "cardiomegaly" not in result["label_prevalence"]["fundus"]["train"]["labels"]
    assert result["rejects"]["by_reason"] == {"undecodable": 1, "no_fov": 1, "empty_report": 1}
    assert result["rejects"]["by_source"]["odir"] == {"undecodable": 1, "no_fov": 1}
    assert result["view"]["iu_xray"] == {"PA": 3}
    assert result["laterality"]["odir"] == {"L": 2, "R": 1}
    assert result["view"]["odir"] == {"(none)": 3}


def test_normal_is_counted_per_modality(tmp_path):
    records = [
        make_record("odir/1_left", "train", "odir/1", ["normal"], seed=1),
        make_record("odir/1_right", "train", "odir/1", ["glaucoma"], seed=2),
        make_record("iu_xray/CXR1_1", "train", "iu_xray/1", ["normal"], seed=3),
        make_record("iu_xray/CXR2_1", "train", "iu_xray/2", ["cardiomegaly"], seed=4),
        make_record("iu_xray/CXR3_1", "train", "iu_xray/3", ["cardiomegaly"], seed=5),
    ]
    write_output(tmp_path / "out", records)
    prevalence = compute_stats(tmp_path / "out")["label_prevalence"]
    assert prevalence["fundus"]["train"]["labels"]["normal"]["prevalence"] == 0.5
    assert prevalence["cxr"]["train"]["labels"]["normal"]["prevalence"] == pytest.approx(1 / 3, abs=1e-4)


def test_every_plot_has_a_title_and_labelled_axes(output_dir, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures = []
    close = plt.close
    monkeypatch.setattr(plt, "close", lambda fig=None: figures.append(fig) or close(fig))
    write_report(compute_stats(output_dir), tmp_path / "report")
    assert len(figures) == 4
    for figure in figures:
        assert figure._suptitle is not None and figure._suptitle.get_text()
        for ax in figure.axes:
            assert ax.get_xlabel(), figure._suptitle.get_text()
            assert ax.get_ylabel() or [t.get_text() for t in ax.get_yticklabels()], figure._suptitle.get_text()
    prevalence = next(f for f in figures if f._suptitle.get_text().startswith("Label prevalence"))
    assert [ax.get_title() for ax in prevalence.axes] == ["cxr", "fundus"]
    assert "share of cxr rows" in prevalence.axes[0].get_xlabel()
    counts = [t.get_text() for t in prevalence.axes[0].texts]
    assert "1" in counts  # counts printed beside the shares


def test_text_lengths_per_granularity(output_dir):
    result = compute_stats(output_dir)["text"]
    records = default_records()
    for granularity in ("descriptions", "explanations"):
        items = [text for r in records for text in r[granularity]]
        summary = result[granularity]
        assert summary["texts"] == len(items)
        assert summary["rows_without_text"] == sum(1 for r in records if not r[granularity])
        assert summary["words"]["max"] == max(len(text.split()) for text in items)
        assert sum(summary["words"]["histogram"]["counts"]) == len(items)
    assert result["disease_text"]["words"]["mean"] == round(
        sum(len(r["disease_text"].split()) for r in records) / len(records), 2
    )


def _with_hashes(record: dict, pixel: str, phash: str) -> dict:
    return {**record, "hashes": {"pixel_sha256": pixel, "phash": phash}}


def test_exact_and_near_duplicate_clusters_across_sources_and_splits(tmp_path):
    base = 0x0F0F_0F0F_0F0F_0F0F
    records = [
        _with_hashes(make_record("odir/1_left", "train", "odir/1", [], seed=1), "a" * 64, f"{base:016x}"),
        _with_hashes(make_record("iu_xray/CXR1_1", "test", "iu_xray/1", [], seed=2), "a" * 64, f"{base:016x}"),
        # two bits away from each other, same source and split: a near (not exact) pair
        _with_hashes(make_record("odir/2_left", "train", "odir/2", [], seed=3), "b" * 64, "ffff000000000000"),
        _with_hashes(make_record("odir/3_left", "train", "odir/3", [], seed=4), "c" * 64, "ffff000000000003"),
        # far from everything
        _with_hashes(make_record("odir/4_left", "validation", "odir/4", [], seed=5), "d" * 64, "00000000ffffffff"),
    ]
    write_output(tmp_path / "out", records)
    dup = compute_stats(tmp_path / "out", near_distance=4)["duplicates"]
    assert [c["ids"] for c in dup["exact"]["list"]] == [["iu_xray/CXR1_1", "odir/1_left"]]
    exact = dup["exact"]["list"][0]
    assert exact["scope"] == "across sources" and exact["splits"] == ["train", "test"] and exact["across_splits"]
    assert [c["ids"] for c in dup["near"]["list"]] == [["odir/2_left", "odir/3_left"]]
    assert dup["near"]["list"][0]["scope"] == "within source" and not dup["near"]["list"][0]["across_splits"]
    assert compute_stats(tmp_path / "out", near_distance=1)["duplicates"]["near"]["clusters"] == 0


def test_image_bytes_are_never_read(output_dir, monkeypatch):
    requested = []
    original = stats_module.iter_batches

    def spy(path, columns, batch_rows=256):
        requested.append(tuple(columns))
        return original(path, columns, batch_rows)

    monkeypatch.setattr(stats_module, "iter_batches", spy)
    compute_stats(output_dir)
    assert requested and all("image" not in columns for columns in requested)


def test_text_diversity_per_modality_and_source(tmp_path):
    """Distinct texts per granularity, and the rows whose three texts all equal another row's."""
    records = [
        make_record("odir/1_left", "train", "odir/1", ["glaucoma"], seed=1),
        make_record("odir/1_right", "train", "odir/1", ["glaucoma"], seed=2),  # same three texts as 1_left
        make_record("odir/2_left", "train", "odir/2", ["glaucoma"], seed=3, descriptions=["left eye glaucoma"]),
        make_record("iu_xray/CXR1_1", "train", "iu_xray/1", ["cardiomegaly"], seed=4),
    ]
    write_output(tmp_path / "out", records)
    result = compute_stats(tmp_path / "out")
    fundus = result["text_diversity"]["fundus"]["odir"]
    assert fundus["rows"] == 3
    assert fundus["distinct_texts"] == {"disease_text": 1, "descriptions": 2, "explanations": 1}
    assert (fundus["distinct_text_sets"], fundus["rows_sharing_all_three"]) == (2, 2)
    assert fundus["share_sharing_all_three"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["text_diversity"]["cxr"]["iu_xray"]["rows_sharing_all_three"] == 0
    text = write_report(result, tmp_path / "report").read_text(encoding="utf-8")
    assert "## Text diversity per modality and source" in text
    assert "| fundus | odir | 3 | 1 | 2 | 1 | 2 | 66.7% |" in text


def test_report_files(output_dir, tmp_path):
    result = compute_stats(output_dir)
    report = write_report(result, tmp_path / "report")
    text = report.read_text(encoding="utf-8")
    assert json.loads((tmp_path / "report" / "stats.json").read_text()) == result
    for section in (
        "## Rows per source and split",
        "## Label prevalence per modality and split",
        "## Text lengths (words)",
        "## Duplicate clusters",
        "## Rejects by reason",
        "## View per source",
    ):
        assert section in text
    assert "| iu_xray | 2 | 0 | 1 | 3 |" in text
    plots = sorted(p.name for p in (tmp_path / "report").glob("*.png"))
    assert plots == ["label_prevalence.png", "rows_by_source_split.png", "text_lengths.png", "view_laterality.png"]
    for name in plots:
        assert f"]({name})" in text
        with Image.open(tmp_path / "report" / name) as image:
            assert image.format == "PNG" and image.width > 100


@pytest.mark.parametrize("explicit", [False, True])
def test_cli_writes_the_report_and_prints_a_summary(output_dir, tmp_path, explicit):
    target = tmp_path / "elsewhere"
    args = ["stats", str(output_dir)] + (["--report", str(target)] if explicit else [])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (target if explicit else output_dir / "stats").joinpath("report.md").is_file()
    squashed = "".join(result.output.split())  # immune to rich's line wrapping
    assert "6rows" in squashed and "rejects:3" in squashed


def test_folder_without_shards_is_a_clear_error(tmp_path):
    (tmp_path / "empty" / "data").mkdir(parents=True)
    with pytest.raises(ValidationError, match="empty/data: no shards"):
        compute_stats(tmp_path / "empty")
