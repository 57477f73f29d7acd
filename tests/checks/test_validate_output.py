"""validate_output finds each kind of contract violation, names the file, and reports all of them at once."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from export.output_fixture import default_records, make_record, read_manifest, save_manifest, write_output
from typer.testing import CliRunner

from mgll_data.checks.validate import validate_output
from mgll_data.cli import app
from mgll_data.ontology import load_ontology
from mgll_data.schema import arrow_schema

TRAIN0 = "data/train-00000-of-00002.parquet"
TRAIN1 = "data/train-00001-of-00002.parquet"


@pytest.fixture(scope="module")
def ontology():
    return load_ontology()


def test_fixture_labels_are_canonical_ids(ontology):
    used = {
        label
        for record in default_records()
        for column in ("labels", "uncertain_labels", "negative_labels")
        for label in record[column]
    }
    assert used <= {finding.id for finding in ontology.findings()}, used - {f.id for f in ontology.findings()}


def test_valid_folder_has_no_violation(output_dir, ontology):
    assert validate_output(output_dir, ontology) == []


def _rewrite_shard(out_dir: Path, file: str, schema: pa.Schema, change: Callable[[dict], dict] = lambda r: r) -> None:
    path = out_dir / file
    rows = [change(row) for row in pq.read_table(path).to_pylist()]
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)


def _field_changed(name: str, **changes) -> pa.Schema:
    schema = arrow_schema()
    index = schema.get_field_index(name)
    field = schema.field(index)
    new = pa.field(name, changes.get("type", field.type), nullable=changes.get("nullable", field.nullable))
    return schema.set(index, new)


def _records_with(index: int, **overrides) -> list[dict]:
    records = default_records()
    records[index] = {**records[index], **overrides}
    return records


def _edit_manifest(out_dir: Path, edit: Callable[[dict], None]) -> None:
    manifest = read_manifest(out_dir)
    edit(manifest)
    save_manifest(out_dir, manifest)


def _truncated_png() -> dict:
    data = default_records()[0]["image"]["bytes"]
    return {"bytes": data[: len(data) // 2], "path": "broken.png"}


# (mutation of a valid folder, expected check, file named, fragment of the message)
CASES: dict[str, tuple[Callable[[Path], None], str, str, str]] = {
    "missing card": (lambda d: (d / "README.md").unlink(), "missing", "README.md", "missing"),
    "missing manifest": (lambda d: (d / "manifest.json").unlink(), "missing", "manifest.json", "missing"),
    "missing rejects": (lambda d: (d / "rejects.parquet").unlink(), "missing", "rejects.parquet", "missing"),
    "no shards": (lambda d: [p.unlink() for p in (d / "data").glob("*.parquet")], "missing", "data", "no Parquet"),
    "bad shard name": (
        lambda d: (d / "data/test-00000-of-00001.parquet").rename(d / "data/test-0.parquet"),
        "shard-name",
        "data/test-0.parquet",
        "does not match",
    ),
    "shard count": (
        lambda d: (d / "data/validation-00000-of-00001.parquet").rename(d / "data/validation-00000-of-00002.parquet"),
        "shard-name",
        "data/validation-*",
        "[1] are missing",
    ),
    "split in file name": (
        lambda d: (d / "data/test-00000-of-00001.parquet").rename(d / "data/valid-00000-of-00001.parquet"),
        "shard-name",
        "data/valid-00000-of-00001.parquet",
        "'valid'",
    ),
    "column type": (
        lambda d: _rewrite_shard(d, TRAIN0, _field_changed("width", type=pa.int64())),
        "schema",
        TRAIN0,
        "'width' has type int64",
    ),
    "nullability": (
        lambda d: _rewrite_shard(
            d, TRAIN0, _field_changed("study_id", nullable=False), lambda r: {**r, "study_id": "s"}
        ),
        "schema",
        TRAIN0,
        "'study_id' must be nullable",
    ),
    "no huggingface metadata": (
        lambda d: _rewrite_shard(d, TRAIN0, arrow_schema().remove_metadata()),
        "schema",
        TRAIN0,
        "'huggingface'",
    ),
    "unreadable shard": (
        lambda d: (d / TRAIN0).write_bytes(b"not parquet at all"),
        "schema",
        TRAIN0,
        "not a readable Parquet file",
    ),
    "missing column": (
        lambda d: _rewrite_shard(
            d,
            TRAIN0,
            arrow_schema().remove(arrow_schema().get_field_index("view")),
            lambda r: {k: v for k, v in r.items() if k != "view"},
        ),
        "schema",
        TRAIN0,
        "'view' is missing",
    ),
    "null in non-nullable column": (
        lambda d: _rewrite_shard(
            d, TRAIN0, _field_changed("patient_id", nullable=True), lambda r: {**r, "patient_id": None}
        ),
        "null",
        TRAIN0,
        "'patient_id'",
    ),
    "unknown label": (
        lambda d: write_output(d, _records_with(0, labels=["diabetic_retinopathy", "not_a_finding"])),
        "label",
        TRAIN0,
        "'not_a_finding'",
    ),
    "unknown negative label": (
        lambda d: write_output(d, _records_with(5, negative_labels=["Pneumothorax"])),
        "label",
        "data/test-00000-of-00001.parquet",
        "negative_labels: 'Pneumothorax'",
    ),
    "split value": (
        lambda d: write_output(d, _records_with(5, split="valid")),
        "split",
        "data/valid-00000-of-00001.parquet",
        "'valid'",
    ),
    "split value differs from file": (
        lambda d: _rewrite_shard(
            d, "data/test-00000-of-00001.parquet", arrow_schema(), lambda r: {**r, "split": "train"}
        ),
        "split",
        "data/test-00000-of-00001.parquet",
        "expected 'test'",
    ),
    "duplicate id": (
        lambda d: write_output(d, _records_with(4, id="odir/1_left")),
        "duplicate-id",
        TRAIN0,
        "'odir/1_left' also appears in data/train-00001-of-00002.parquet",
    ),
    "patient in two splits": (
        lambda d: write_output(d, _records_with(2, patient_id="odir/1")),
        "patient-leak",
        TRAIN0,
        "'odir/1' of odir is in 2 splits",
    ),
    "image does not decode": (
        lambda d: write_output(d, _records_with(1, image=_truncated_png())),
        "image",
        TRAIN0,
        "odir/1_right: image bytes do not decode",
    ),
    "image size": (
        lambda d: write_output(d, _records_with(0, width=99)),
        "image",
        TRAIN0,
        "16x12 but width/height say 99x12",
    ),
    "empty disease_text": (
        lambda d: write_output(d, _records_with(3, disease_text="  ")),
        "empty-text",
        "data/train-00001-of-00002.parquet",
        "iu_xray/CXR1_1",
    ),
    "manifest split rows": (
        lambda d: _edit_manifest(d, lambda m: m["splits"]["train"].update(rows=99)),
        "manifest",
        "manifest.json",
        "splits.train",
    ),
    "manifest checksum": (
        lambda d: _edit_manifest(d, lambda m: m["shards"][0].update(sha256="0" * 64)),
        "manifest",
        TRAIN0,
        "sha256",
    ),
    "manifest shard rows": (
        lambda d: _edit_manifest(d, lambda m: m["shards"][0].update(rows=3)),
        "manifest",
        TRAIN0,
        "rows=3",
    ),
    "manifest lists a missing shard": (
        lambda d: _edit_manifest(d, lambda m: m["shards"].append({"file": "data/gone.parquet", "split": "train"})),
        "manifest",
        "manifest.json",
        "'data/gone.parquet'",
    ),
    "manifest source counts": (
        lambda d: _edit_manifest(d, lambda m: m["counts"]["by_source_split"]["odir"].update(train=5)),
        "manifest",
        "manifest.json",
        "counts.by_source_split",
    ),
    "manifest rejects by reason": (
        lambda d: _edit_manifest(d, lambda m: m["counts"]["rejects_by_reason"].update(no_fov=7)),
        "manifest",
        "manifest.json",
        "counts.rejects_by_reason",
    ),
    "manifest licence class": (
        lambda d: _edit_manifest(d, lambda m: m["sources"]["odir"].update(licence_class="cc-by")),
        "manifest",
        "manifest.json",
        "'cc-by'",
    ),
    "manifest key": (
        lambda d: _edit_manifest(d, lambda m: m.pop("recipe_hash")),
        "manifest",
        "manifest.json",
        "'recipe_hash' is missing",
    ),
    "card split size": (
        lambda d: (d / "README.md").write_text(
            (d / "README.md").read_text().replace("num_examples: 4", "num_examples: 5")
        ),
        "card",
        "README.md",
        "train has 5 rows, shards hold 4",
    ),
    "card without front matter": (
        lambda d: (d / "README.md").write_text("# A dataset\n"),
        "card",
        "README.md",
        "no YAML front matter",
    ),
    "text names the other eye": (
        lambda d: write_output(d, _records_with(0, descriptions=["drusen in the right eye"])),  # odir/1_left
        "text",
        TRAIN0,
        "names the other eye: row(s) odir/1_left (right in 'drusen in the right eye')",
    ),
    "text names a view the row does not have": (
        lambda d: write_output(d, _records_with(3, explanations=["heart size is enlarged on the AP view"])),
        "text",
        TRAIN1,
        "names a view the row does not have: row(s) iu_xray/CXR1_1 (AP view in",
    ),
    "text carries a redaction": (
        lambda d: write_output(d, _records_with(4, descriptions=["Normal chest x-XXXX."])),
        "text",
        TRAIN1,
        "carries a redaction token",
    ),
    "text uses a side its report does not": (
        lambda d: write_output(d, _records_with(4, descriptions=["small left pleural effusion"])),
        "text",
        TRAIN1,
        "side / zone / acuity word its own report does not: row(s) iu_xray/CXR2_1 (left in",
    ),
    "rejects columns": (
        lambda d: pq.write_table(pa.table({"source": ["odir"], "why": ["x"]}), d / "rejects.parquet"),
        "rejects",
        "rejects.parquet",
        "missing column(s) item",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_violation_is_detected_with_its_file(case, output_dir, ontology):
    mutate, check, file, fragment = CASES[case]
    mutate(output_dir)
    violations = validate_output(output_dir, ontology)
    matching = [v for v in violations if v.check == check and v.file == file and fragment in v.message]
    assert matching, f"expected a {check} violation in {file} mentioning {fragment!r}; got {violations}"
    assert str(matching[0]).startswith(f"{file}: ")


def test_every_violation_is_reported_not_just_the_first(output_dir, ontology):
    records = default_records()
    records[0] = {**records[0], "labels": ["not_a_finding"]}
    records[3] = {**records[3], "disease_text": ""}
    records[4] = {**records[4], "width": 3}
    write_output(output_dir, records)
    (output_dir / "README.md").unlink()
    checks = {v.check for v in validate_output(output_dir, ontology)}
    assert {"label", "empty-text", "image", "missing"} <= checks


def test_repeated_faults_in_a_shard_are_grouped_with_a_count(output_dir, ontology):
    records = [make_record(f"odir/{i}_left", "train", f"odir/{i}", ["no_such_id"], seed=i) for i in range(5)]
    write_output(output_dir, records, rows_per_shard=5)
    labels = [v for v in validate_output(output_dir, ontology) if v.check == "label"]
    assert len(labels) == 1
    assert "5 row(s), e.g. odir/0_left, odir/1_left, odir/2_left" in labels[0].message


def test_skip_images_does_not_decode(output_dir, ontology):
    write_output(output_dir, _records_with(1, image=_truncated_png()))
    assert [v.check for v in validate_output(output_dir, ontology)] == ["image"]
    assert validate_output(output_dir, ontology, check_images=False) == []


def test_unreadable_manifest_is_a_violation(output_dir, ontology):
    (output_dir / "manifest.json").write_text("{not json", encoding="utf-8")
    violations = validate_output(output_dir, ontology)
    assert [(v.file, v.check) for v in violations] == [("manifest.json", "manifest")]
    assert "not readable JSON" in violations[0].message


def _flat(text: str) -> str:
    """Console output without whitespace, so rich's line wrapping (even inside a long path) cannot matter."""
    return "".join(text.split())


def test_cli_exit_codes(output_dir):
    runner = CliRunner()
    ok = runner.invoke(app, ["validate", str(output_dir)])
    assert ok.exit_code == 0, ok.output
    assert _flat("meets the output contract") in _flat(ok.output)
    manifest = json.loads((output_dir / "manifest.json").read_text())
    manifest["shards"][0]["sha256"] = "f" * 64
    (output_dir / "manifest.json").write_text(json.dumps(manifest))
    (output_dir / "rejects.parquet").unlink()
    bad = runner.invoke(app, ["validate", str(output_dir)])
    assert bad.exit_code == 1
    output = _flat(bad.output)
    assert _flat(f"{TRAIN0}: sha256 in manifest.json does not match") in output
    assert _flat("rejects.parquet: missing") in output
    assert _flat("2 violation(s)") in output


def test_cli_names_a_missing_folder(tmp_path, monkeypatch, capsys):
    from mgll_data.cli import main

    monkeypatch.setattr("sys.argv", ["mgll-data", "validate", str(tmp_path / "nowhere")])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    assert _flat("nowhere: not a folder") in _flat(capsys.readouterr().err)


def test_png_of_16_bit_passes(tmp_path, ontology):
    from PIL import Image

    record = default_records()[3]
    assert Image.open(io.BytesIO(record["image"]["bytes"])).mode.startswith("I")
    write_output(tmp_path / "out", [record])
    assert validate_output(tmp_path / "out", ontology) == []
