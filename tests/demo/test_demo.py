"""The bundled demo: generated trees in the exact public layouts, read by the real adapters."""

from __future__ import annotations

import csv
import gzip
import hashlib
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mgll_data.demo import DEMO_VERSION, resolve_demo_root
from mgll_data.demo.cxr import draw_cxr
from mgll_data.demo.fundus import draw_fundus
from mgll_data.errors import RecipeError
from mgll_data.recipe import load_recipe
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.iu_xray import IuXraySource
from mgll_data.sources.odir import OdirSource
from mgll_data.text import TextPolicy
from mgll_data.text.report_labels import with_report_labels

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KAGGLE_HEADER = [  # andrewmvd's full_df.csv
    "ID",
    "Patient Age",
    "Patient Sex",
    "Left-Fundus",
    "Right-Fundus",
    "Left-Diagnostic Keywords",
    "Right-Diagnostic Keywords",
    "N",
    "D",
    "G",
    "C",
    "A",
    "H",
    "M",
    "O",
    "filepath",
    "labels",
    "target",
    "filename",
]


@pytest.fixture(scope="module")
def demo_roots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MGLL_DATA_CACHE", str(cache))
        roots = {name: resolve_demo_root(name) for name in ("odir", "iu_xray")}
    assert roots["odir"] == cache / "demo" / DEMO_VERSION / "odir"
    return roots


def _split(items: list[RawRecord | Reject]) -> tuple[list[RawRecord], list[Reject]]:
    return [r for r in items if isinstance(r, RawRecord)], [r for r in items if isinstance(r, Reject)]


def test_odir_tree_is_the_kaggle_layout(demo_roots: dict[str, Path]) -> None:
    root = demo_roots["odir"]
    assert sorted(p.name for p in root.iterdir()) == ["full_df.csv", "preprocessed_images"]
    with (root / "full_df.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == KAGGLE_HEADER
    assert len(rows) == 1 + 60  # one row per image, 30 patients
    assert any("\uff0c" in row[5] or "\uff0c" in row[6] for row in rows[1:])
    images = sorted((root / "preprocessed_images").iterdir())
    assert len(images) == 59  # one listed image is deliberately absent
    with Image.open(images[0]) as first:
        assert (first.format, first.mode, first.size) == ("JPEG", "RGB", (512, 512))


def test_iu_tree_is_the_open_i_layout(demo_roots: dict[str, Path]) -> None:
    root = demo_roots["iu_xray"]
    assert sorted(p.name for p in root.iterdir()) == [
        "NLMCXR_png",
        "NLMCXR_reports.tgz",
        "nlmcxr_dicom_metadata.csv.gz",
    ]
    with tarfile.open(root / "NLMCXR_reports.tgz") as archive:
        names = archive.getnames()
    assert names[0] == "ecgen-radiology"
    assert sorted(names[1:], key=lambda n: int(Path(n).stem)) == [f"ecgen-radiology/{n}.xml" for n in range(1, 21)]
    pngs = sorted((root / "NLMCXR_png").iterdir())
    assert len(pngs) == 34
    assert "CXR1_1_IM-0001-1001.png" in [p.name for p in pngs]
    with Image.open(pngs[0]) as first:
        assert (first.format, first.mode) == ("PNG", "L")
    header = gzip.decompress((root / "nlmcxr_dicom_metadata.csv.gz").read_bytes()).decode().splitlines()[0]
    assert header.split(",")[:3] == ["imageid", "Modality", "View Position"]


def test_odir_adapter_reads_the_demo(demo_roots: dict[str, Path]) -> None:
    records, rejects = _split(list(OdirSource(demo_roots["odir"]).records()))
    assert len(records) == 58
    assert sorted(r.reason for r in rejects) == ["missing_file", "not_a_fundus_image"]
    assert {r.laterality for r in records} == {"L", "R"}
    labelled = {label for r in records for label in r.labels + r.uncertain_labels}
    assert {"normal", "cataract", "glaucoma", "moderate_npdr", "dry_amd", "pathologic_myopia"} <= labelled
    assert any(r.attributes.get("quality") == "lens dust" for r in records)


def test_iu_adapter_reads_the_demo(demo_roots: dict[str, Path]) -> None:
    records, rejects = _split(list(IuXraySource(demo_roots["iu_xray"]).records()))
    assert len(records) == 32
    assert sorted(r.reason for r in rejects) == ["empty_report", "empty_report", "missing_file", "no_images"]
    assert {r.view for r in records} == {"PA", "LATERAL", "AP"}
    assert records[0].native_id == "CXR1_1_IM-0001-1001" and records[0].view == "PA"
    labelled = {label for r in records for label in with_report_labels(r, TextPolicy()).labels}
    assert {"cardiomegaly", "pleural_effusion", "pneumothorax", "atelectasis", "normal"} <= labelled
    assert any("XXXX" in " ".join(r.report.values()) for r in records)


def test_generation_is_deterministic_and_safe_to_race(tmp_path: Path, demo_roots: dict[str, Path], monkeypatch) -> None:
    """Two builds racing on an empty cache both get the complete tree, identical to an earlier one."""
    monkeypatch.setenv("MGLL_DATA_CACHE", str(tmp_path))
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(resolve_demo_root("iu_xray"))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results[0] == results[1] == tmp_path / "demo" / DEMO_VERSION / "iu_xray"
    assert [p.name for p in (tmp_path / "demo" / DEMO_VERSION).iterdir()] == ["iu_xray"]  # no staging left

    def digest(root: Path) -> dict[str, str]:
        return {
            p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    assert digest(results[0]) == digest(demo_roots["iu_xray"])


def test_unknown_demo_name() -> None:
    with pytest.raises(RecipeError, match="demo://odir"):
        resolve_demo_root("mimic")


def test_fundus_painting() -> None:
    """Black outside the field of view, red-orange inside, and a glaucomatous cup paler than a normal one."""
    normal = np.asarray(draw_fundus([], "R", seed=1), dtype=np.int32)
    assert normal[:20, :20].max() == 0
    red, green, blue = normal[256, 200]
    assert red > green > blue
    cupped = np.asarray(draw_fundus(["cupping"], "R", seed=1), dtype=np.int32)
    disc = (256 + int(512 * 0.46 * 0.42), 256)
    patch = np.s_[disc[1] - 12 : disc[1] + 12, disc[0] - 12 : disc[0] + 12]
    assert cupped[patch][..., 2].mean() > normal[patch][..., 2].mean() + 10
    with pytest.raises(ValueError, match="unknown demo lesions"):
        draw_fundus(["sparkles"], "L", seed=1)


def test_cxr_painting() -> None:
    """Lungs darker than the mediastinum; an enlarged heart is wider than a normal one."""
    normal = np.asarray(draw_cxr([], "PA", seed=1), dtype=np.int32)
    assert normal[200, 170] + 60 < normal[200, 256]  # right lung field vs mediastinum

    def heart_width(pixels: np.ndarray) -> int:
        return int((pixels[340, 150:420] > 180).sum())

    assert heart_width(np.asarray(draw_cxr(["cardiomegaly"], "PA", seed=1), dtype=np.int32)) > heart_width(normal) + 25


def test_demo_recipe_validates() -> None:
    recipe = load_recipe(PROJECT_ROOT / "recipes" / "demo.yaml")
    assert recipe.name == "mgll-demo"
    assert [(s.name, s.root) for s in recipe.sources] == [("odir", "demo://odir"), ("iu_xray", "demo://iu_xray")]
    assert recipe.output_dir() == PROJECT_ROOT / "out" / "demo"
    assert recipe.image.size == 256


def test_demo_build_says_it_is_synthetic(tmp_path: Path) -> None:
    """Rows carry attributes.synthetic; the card says drawn and written by mgll-data, uses the recipe's own
    description, cites neither ODIR-5K nor IU X-ray as origin, and push warns about no third-party licence."""
    import pyarrow.parquet as pq
    import yaml

    from mgll_data.builder import build
    from mgll_data.engine import BuildProgress
    from mgll_data.export.card import card_metadata, render_card
    from mgll_data.export.push import plan_push
    from mgll_data.output_layout import read_manifest

    recipe = yaml.safe_load((PROJECT_ROOT / "recipes" / "demo.yaml").read_text(encoding="utf-8"))
    recipe["image"]["size"] = 64
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
    out = build(path, out=tmp_path / "out", progress=BuildProgress(quiet=True)).out_dir
    flags = [row["synthetic"] for shard in (out / "data").glob("*.parquet")
             for row in pq.read_table(shard, columns=["attributes"]).column("attributes").to_pylist()]  # fmt: skip
    assert len(flags) > 50 and set(flags) == {True}
    manifest = read_manifest(out)
    card = render_card(manifest)
    assert "drawn by mgll-data's code" in card and "every row has `attributes.synthetic = true`" in card
    assert " ".join(recipe["description"].split()) in " ".join(card.split())
    for citation in ("odir2019", "Demner-Fushman", "grand-challenge", "openi.nlm.nih.gov", "cc-by-nc-nd"):
        assert citation not in card, citation
    assert card.count("synthetic (demo://") == 2
    metadata = card_metadata(manifest)
    assert metadata["license"] == "apache-2.0" and metadata["annotations_creators"] == ["machine-generated"]
    assert "source_datasets" not in metadata
    assert plan_push(out, "me/mgll-demo").warnings == []


def test_a_real_source_entry_keeps_its_terms_and_warning(tmp_path: Path) -> None:
    from export.output_fixture import write_output

    from mgll_data.export.push import plan_push

    write_output(tmp_path / "out")  # the same adapters, read from real roots
    warnings = plan_push(tmp_path / "out", "me/x").warnings
    assert any("iu_xray is licensed cc-by-nc-nd-4.0 (no derivatives)" in w for w in warnings)
