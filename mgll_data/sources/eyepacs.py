"""EyePACS (Kaggle Diabetic Retinopathy Detection 2015): left and right eyes of each patient, graded 0-4.

`trainLabels.csv` (`image,level`, `image` without extension: `10_left`) grades `train/`; the test grades are
`retinopathy_solution.csv` (`image,level,Usage`, posted after the competition): Public rows become validation,
Private rows test. Without it `sampleSubmission.csv` lists the test images, unlabelled. Some re-hosted label
copies drop the header line, so it is detected rather than assumed. The patient is the id's prefix, so both
eyes share one split. EyeQ quality grades (`Label_EyeQ_*.csv`), where present, go through the `eyeq_quality`
vocabulary: an attribute, and for rejected images the poor-image-quality finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from mgll_data.errors import LayoutError
from mgll_data.ontology import UnmappedLabel
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.spec import layout_spec
from mgll_data.sources.tables import Table, read_table


class EyepacsSource(Source):
    name = "eyepacs"
    modality = "fundus"
    layout = (
        "ROOT/trainLabels.csv (image,level) + ROOT/train/<patient>_{left|right}.jpeg; optional "
        "ROOT/retinopathy_solution.csv (image,level,Usage) or sampleSubmission.csv + ROOT/test/*.jpeg; optional "
        "EyeQ Label_EyeQ_{train,test}.csv"
    )
    version = "2015"
    has_official_split = True

    def find_layout(self) -> None:
        spec = layout_spec("eyepacs")
        # (table, its image folder or None when absent, the folder's name, split)
        self.parts: list[tuple[Path, Path | None, str, str]] = []
        for part in spec["parts"]:
            table = next(filter(None, (self.files.find(t) for t in part["tables"])), None)
            if table is not None:
                self.parts.append((table, self.files.folder(part["folder"]), part["folder"], part["split"]))
        if not self.parts or self.parts[0][2] != "train" or self.parts[0][1] is None:
            raise LayoutError(self.name, self.root, self.layout)

    def records(self) -> Iterator[RawRecord | Reject]:
        spec = layout_spec("eyepacs")
        yield from self.unread_parts()
        quality = self._quality(spec)
        ungraded = {name.casefold() for name in spec["ungraded_tables"]}
        for table_file, folder, folder_name, split in self.parts:
            graded = table_file.name.casefold() not in ungraded
            table = self._table(table_file, spec["columns"])
            if folder is None:  # the test zips were not unpacked: the part is one reject, not silence
                yield self.missing_part(table_file, f"{folder_name}/", len(table))
                continue
            for entry, row in table.rows():
                image = row["image"]
                patient, _, eye = image.rpartition("_")
                path = self.locate_image(image, under=folder, suffixes=tuple(spec["image_suffixes"]), entry=entry)
                if isinstance(path, Reject):
                    yield path
                    continue
                labels = LabelSet()
                try:
                    for vocab, value in (
                        ("icdr", row["level"] if graded else ""),
                        ("eyeq_quality", quality.get(image)),
                    ):
                        if value:
                            labels.add(vocab, value)
                except UnmappedLabel as error:
                    yield self.unmapped_label(path, entry, (error.vocab, error.label))
                    continue
                yield self.record(
                    f"{folder.name}/{image}",
                    path,
                    f"{folder.name}/{patient}",
                    split=spec["usage_split"].get(row["usage"].casefold(), split),
                    laterality=spec["eyes"].get(eye.casefold()),
                    **labels.as_fields(),
                    attributes=dict(labels.attributes),
                    source_file=table_file.name,
                    source_entry=entry,
                )

    def _table(self, path: Path, columns: dict[str, list[str]]) -> Table:
        """The label table, read by position when its first line is data (a copy without the header)."""
        first = path.read_text(encoding="utf-8-sig", errors="replace").lstrip().split(",", 1)[0].strip()
        header = first.casefold() == "image"
        names = None if header else list(columns)
        return read_table(path, source=self.name, required={"image": []}, optional=columns, header=header, names=names)

    def _quality(self, spec: dict) -> dict[str, str]:
        """EyeQ grade (0 good, 1 usable, 2 reject) per image id, from whichever EyeQ label files are in the root."""
        found: dict[str, str] = {}
        for name in spec["quality_tables"]:
            path = self.files.find(name)
            if path is None:
                continue
            table = read_table(path, source=self.name, required=spec["quality_columns"])
            for _, row in table.rows():
                found[Path(row["image"]).stem] = row["quality"]
        return found
