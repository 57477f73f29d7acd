"""The MIMIC kit: study folders, version detection and CheXpert-convention cells."""

from __future__ import annotations

from mgll_data.sources.mimic_files import detect_version, label_cells, label_set, study_folder


def test_study_folder_follows_the_physionet_tree():
    assert study_folder("10000032", "50414267") == "files/p10/p10000032/s50414267"


def test_version_from_the_folder_name_or_the_files_only_2_1_ships(tmp_path):
    assert detect_version(tmp_path / "2.0.0", ["x"]) == "2.0.0"
    root = tmp_path / "mimic"
    root.mkdir()
    assert detect_version(root, ["IMAGE_FILENAMES"]) == "2.0.0"
    (root / "IMAGE_FILENAMES").write_text("", encoding="utf-8")
    assert detect_version(root, ["IMAGE_FILENAMES"]) == "2.1.0"


def test_label_cells_keep_stated_values_and_name_the_odd_ones():
    cells, bad = label_cells({"Cardiomegaly": "1.0", "Edema": "-1.0", "Pneumonia": "", "Atelectasis": "2"})
    assert ("Cardiomegaly", "positive") in cells and ("Edema", "uncertain") in cells
    assert all(column != "Pneumonia" for column, _ in cells)
    assert bad == ["Atelectasis='2'"]
    labels = label_set(cells)
    assert labels.state_of("cardiomegaly") == "positive" and labels.state_of("edema") == "uncertain"
