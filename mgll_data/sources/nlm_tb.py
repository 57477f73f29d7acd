"""The NLM tuberculosis sets (Montgomery County, Shenzhen) share one shape: `CXR_png/<SET>_####_<0|1>.png`, the
class in the file name's last character (0 normal, 1 tuberculosis), one clinical-reading text file per image in
`ClinicalReadings/` (sex, age, then the radiologist's finding), and no official split. The Kaggle mirrors put the
PNGs in `images/images/` and the readings in `<set>_metadata.csv`. Only the reading's first lines differ between
the two sets, so each adapter supplies `parse_header`.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.spec import layout_spec
from mgll_data.sources.tables import read_table

_AGE = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]*)", re.IGNORECASE)


def spec() -> dict:
    return layout_spec("nlm_tb")


def parse_age(text: str) -> float | None:
    """Years from `027Y`, `45yrs`, `16month`, `64days` or `5-14 years` (first number); None if absent."""
    found = _AGE.search(text)
    if not found:
        return None
    unit = found.group(2).casefold() or "y"
    factor = spec()["age_units"].get(unit)
    return round(float(found.group(1)) * factor, 2) if factor else None


def parse_sex(text: str) -> str | None:
    return spec()["sexes"].get(text.strip().strip(",").casefold())


class NlmTbSource(Source):
    """Montgomery and Shenzhen: subclasses set `prefix` (file-name prefix) and `metadata` (Kaggle CSV name)."""

    prefix: ClassVar[str]
    metadata: ClassVar[str]

    @staticmethod
    @abstractmethod
    def parse_header(lines: list[str]) -> tuple[dict, list[str]]:
        """(attributes, finding lines) of one clinical reading."""

    def find_layout(self) -> None:
        self.images = self.files.folder(*spec()["image_folders"])
        if self.images is None or not self.files.files_under(self.images, (".png",)):
            raise LayoutError(self.name, self.root, self.layout)
        self.readings = self.files.folder(spec()["readings_folder"])
        self.metadata_file = self.files.find_name(self.metadata)

    def kaggle_readings(self) -> dict[str, dict[str, str]]:
        if self.metadata_file is None:
            return {}
        table = read_table(self.metadata_file, source=self.name, required=spec()["kaggle_columns"])
        return {Path(row["id"]).stem.casefold(): row for _, row in table.rows()}

    def reading(self, stem: str, kaggle: dict[str, dict[str, str]]) -> tuple[dict, str]:
        """(attributes, finding text) from the reading file or the Kaggle metadata row; empty if neither."""
        path = self.files.find(f"{stem}.txt", under=self.readings) if self.readings else None
        if path is not None:
            lines = [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
            attributes, findings = self.parse_header([line for line in lines if line])
            return attributes, " ".join(findings)
        row = kaggle.get(stem.casefold())
        if row is None:
            return {}, ""
        return {"sex": parse_sex(row["sex"]), "age": parse_age(row["age"])}, row["findings"]

    def records(self) -> Iterator[RawRecord | Reject]:
        kaggle = self.kaggle_readings()
        for path in self.files.files_under(self.images, (".png",)):
            if not path.stem.upper().startswith(self.prefix) or "mask" in path.stem.casefold():
                continue
            label = spec()["label_digit"].get(path.stem[-1])
            if label is None:
                yield self.unmapped_label(path, path.name, ("class digit (expected _0 or _1)", path.stem[-1:]))
                continue
            if problem := self.check_image_file(path):
                yield problem
                continue
            labels = LabelSet()
            labels.add("nlm_tb", label)
            attributes, findings = self.reading(path.stem, kaggle)
            yield self.record(
                path.stem,
                path,
                path.stem.rsplit("_", 1)[0],
                **labels.as_fields(),
                report={"findings": findings} if findings else None,
                attributes={k: v for k, v in attributes.items() if v is not None},
                source_file=self.images.name,
                related_files=self.masks(path),
            )

    def masks(self, image: Path) -> list[Path]:
        """Montgomery's manual lung masks of this image (left, right), where the download has them."""
        return [p for folder in spec()["mask_folders"] if (p := self.files.find(image.name, under=folder))]
