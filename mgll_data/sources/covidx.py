"""COVIDx CXR (COVID-Net): a benchmark assembled from about nine public chest X-ray collections.

Label files have no header; each line is `patient_id filename class [source]`, parsed from the right because
patient ids may hold a space and older files lack the source (covidx.yaml). The split is the file's prefix
(train / val / test). Patient ids are only unique within an origin, so the patient key is `origin:patient`;
the origin (with the `rnsa` typo read as `rsna`) is kept as `dataset_origin`. Images named twice in one file
are listed once; every other line is a row or a reject.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from pydantic import Field

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject, Source, SourceOptions
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.spec import layout_spec


def spec() -> dict:
    return layout_spec("covidx")


class Line(NamedTuple):
    patient: str
    filename: str
    label: str
    origin: str


def parse_line(text: str) -> Line | None:
    """One label-file line, or None when it has fewer than three fields. Without a source field the last
    token is the class; otherwise class and filename precede the source, and the rest is the patient id."""
    tokens = text.split()
    if len(tokens) < 3:
        return None
    if tokens[-1] in spec()["classes"]:
        return Line(" ".join(tokens[:-2]), tokens[-2], tokens[-1], "")
    if len(tokens) < 4:
        return None
    return Line(" ".join(tokens[:-3]), tokens[-3], tokens[-2], spec()["origins"].get(tokens[-1], tokens[-1]))


def prefix(label_file: Path) -> str:
    """`train`, `val` or `test` from `train.txt` / `train_COVIDx9A.txt`: the file's split."""
    return re.split(r"[_.]", label_file.name, maxsplit=1)[0].casefold()


class CovidxSource(Source):
    name = "covidx"
    modality = "cxr"
    layout = (
        "Kaggle: ROOT/train.txt, val.txt, test.txt + ROOT/train/, val/, test/; or COVID-Net: ROOT/train_COVIDx9A.txt "
        "(any version, options.labels picks among several) + ROOT/data/train/, data/test/"
    )
    version = "CXR-2 to CXR-4 / COVIDx v1-9"
    has_official_split = True

    class Options(SourceOptions):
        labels: list[str] = Field(
            default_factory=list,
            description="label files to read, relative to the root (default: the Kaggle train/val/test.txt, or the "
            "one COVIDx version present); their name prefix (train_/val_/test_) gives the split",
        )

    def find_layout(self) -> None:
        if self.options.labels:
            self.label_files = []
            for listed in self.options.labels:
                found = self.files.find(listed)
                if found is None:
                    raise LayoutError(self.name, self.root / listed, "the COVIDx label file named in options.labels")
                self.label_files.append(found)
        else:
            self.label_files = [p for name in spec()["kaggle_files"] if (p := self.files.find_name(name))]
        if not self.label_files:
            self.label_files = self.versioned_files()
        for path in self.label_files:
            if prefix(path) not in spec()["splits"]:
                raise LayoutError(self.name, path, "a label file named train*, val* or test*")

    def versioned_files(self) -> list[Path]:
        pattern = re.compile(spec()["versioned_file"], re.IGNORECASE)
        found = [p for p in self.files.files_under(self.root, (".txt",)) if pattern.match(p.name)]
        versions = sorted({pattern.match(p.name).group(2) for p in found})
        if len(versions) != 1:
            listed = ", ".join(p.name for p in found) or "none"
            raise LayoutError(self.name, self.root, f"{self.layout}; found COVIDx label files: {listed}")
        return found

    def records(self) -> Iterator[RawRecord | Reject]:
        seen: set[str] = set()
        for label_file in self.label_files:
            split = spec()["splits"][prefix(label_file)]
            folders = [f.format(split=prefix(label_file)) for f in spec()["image_folders"]]
            text = label_file.read_text(encoding="utf-8-sig", errors="replace")
            for number, raw in enumerate(text.splitlines(), start=1):
                if not raw.strip():
                    continue
                entry = f"{label_file.name}: line {number}"
                line = parse_line(raw)
                if line is None:
                    yield self.reject(entry, "source", "malformed_entry", f"{raw.strip()!r}: expected 3 or 4 fields")
                    continue
                if line.filename in seen:
                    yield self.reject(line.filename, "source", "duplicate_image", entry)
                    continue
                seen.add(line.filename)
                yield self.line_record(line, split, folders, label_file.name, entry)

    def line_record(self, line: Line, split: str, folders: list[str], file: str, entry: str) -> RawRecord | Reject:
        folder = next((f for f in folders if self.files.folder(f)), folders[0])
        path = self.locate_image(line.filename, under=folder)
        if isinstance(path, Reject):
            return dataclasses.replace(path, detail=entry)
        labels = LabelSet()
        if line.label not in spec()["classes"]:
            return self.unmapped_label(path, entry, ("class", line.label))
        labels.add("covidx", line.label)
        return self.record(
            line.filename,
            path,
            f"{line.origin}:{line.patient}" if line.origin else line.patient,
            split=split,
            **labels.as_fields(),
            attributes={"dataset_origin": line.origin} if line.origin else {},
            source_file=file,
            source_entry=entry,
        )
