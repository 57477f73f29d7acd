"""A build over the real ODIR-5K sample in shared/realdata with the real adapter, image and text stages."""

from __future__ import annotations

import pyarrow.parquet as pq

from mgll_data.builder import build_recipe
from mgll_data.recipe import parse_recipe


def test_real_odir_sample_builds_with_rejects_for_absent_images(tmp_path, realdata):
    odir = realdata / "fundus" / "odir"
    recipe = parse_recipe(
        {
            "name": "odir-real-sample",
            "sources": [{"name": "odir", "root": str(odir)}],
            "output": {"dir": "out", "shard_size": 4000},
            "image": {"size": 32},
        },
        tmp_path,
    )
    result = build_recipe(recipe)
    rows = [r for s in sorted((tmp_path / "out" / "data").glob("*.parquet")) for r in pq.read_table(s).to_pylist()]
    present = {p.name for p in (odir / "preprocessed_images").iterdir()}
    assert {r["provenance"]["image_file"] for r in rows} == {f"preprocessed_images/{name}" for name in present}
    assert all(r["modality"] == "fundus" and r["width"] == r["height"] == 32 for r in rows)
    split_of_patient: dict[str, set[str]] = {}
    for row in rows:
        split_of_patient.setdefault(row["patient_id"], set()).add(row["split"])
    assert all(len(splits) == 1 for splits in split_of_patient.values())
    assert len(split_of_patient) < len(rows), "the sample has both eyes of some patients"

    rejects = pq.read_table(tmp_path / "out" / "rejects.parquet").to_pylist()
    missing = [r for r in rejects if r["reason"] == "missing_file"]  # by the adapter or by the image stage
    assert missing and all(r["source"] == "odir" for r in rejects)
    assert not [r["item"] for r in rejects if r["item"].startswith("/")], "items are named inside the download"
    assert not {r["item"].rsplit("/", 1)[-1] for r in missing} & present
    assert result.manifest.sources["odir"].rows == len(rows) == len(present)
    assert result.manifest.sources["odir"].rejects == len(rejects)
