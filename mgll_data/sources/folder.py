"""Bring-your-own images: picture (PNG, JPEG, TIFF) and DICOM files under a root, with an optional CSV.

Without a CSV every file under the root is a row or a reject (sorted by relative path): pictures by suffix,
DICOM by content whatever its name (`IM000001`, `.dicom`, UID-named files), anything else `not_an_image`;
folders the walk cannot enter and broken links are rejects too. The name of the folder an image sits in
becomes a keyword, and a label too when it names an ontology finding (`cataract/`, `Pleural Effusion/`), as in
ImageFolder trees. With a CSV (option `csv`) exactly the listed images are rows: `path` (relative to the root;
a path leaving the root is a reject), optional `labels` (ontology ids or finding names joined by `|`),
`text` (free text, kept as the report's findings), and optional `patient_id`, `study_id`, `split`, `view`,
`laterality`.

Privacy: the patient key comes from the CSV's `patient_id` column, else from the DICOM PatientID, and is
stored only as a salted hash (option `patient_salt`; the manifest records the salt's hash, not the salt);
an image without either is its own patient. Folder names are never patient keys. Path parts that look like
identifiers (a run of digits, or the file's own PatientID / AccessionNumber / StudyID) are replaced by a
salted hash in ids, provenance and rejects unless option `deidentified` says the tree's names are safe.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

import pydicom
from pydantic import Field

from mgll_data.errors import LayoutError, RecipeError
from mgll_data.published import hash_identifiers, identifier_rules, identifier_tokens, printable, pseudonym
from mgll_data.sources.base import RawRecord, Reject, Source, SourceOptions
from mgll_data.sources.spec import layout_spec
from mgll_data.sources.tables import read_table

if TYPE_CHECKING:
    import pandas as pd

SPLITS = ("train", "validation", "test")
LABEL_SEPARATOR = "|"
OPTIONAL_COLUMNS = ("labels", "text", "patient_id", "study_id", "split", "view", "laterality")
LATERALITY = {"l": "L", "left": "L", "os": "L", "r": "R", "right": "R", "od": "R"}
DICOM_MAGIC_OFFSET = 128


def has_dicom_magic(path: Path) -> bool:
    """The Part 10 'DICM' marker after the preamble: a DICOM file whatever its name (no pixels are read). Only a
    regular file is opened: opening a FIFO waits for a writer forever, a device may act on being opened."""
    if not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            handle.seek(DICOM_MAGIC_OFFSET)
            return handle.read(4) == b"DICM"
    except OSError:
        return False


def dicom_identity(path: Path) -> dict[str, str]:
    """The identity elements of a DICOM header (PatientID, PatientName, AccessionNumber, dates, ...; the list is in
    mgll_data/data/identifiers.yaml), read without pixel data."""
    keywords = identifier_rules()["dicom_elements"]
    try:
        ds = pydicom.dcmread(path, force=True, stop_before_pixels=True, specific_tags=list(keywords))
    except (OSError, ValueError, TypeError, KeyError, AttributeError, EOFError):
        return {}
    return {k: str(ds.get(k)).strip() for k in keywords if ds.get(k) is not None and str(ds.get(k)).strip()}


def resolve_label(label: str, modality: str, ontology: Any) -> str | None:
    """The ontology id a user label stands for in `modality`: an id as written, else a finding's name or synonym."""
    label = label.strip()
    if label in ontology and ontology[label].applies_to(modality):
        return label
    return ontology.find_by_name(label, modality)


class FolderSource(Source):
    name = "folder"
    modality = "any"
    layout = (
        "ROOT/**/*.{png,jpg,jpeg,tif,tiff} and DICOM files (any name); option modality (fundus or cxr) is "
        "required; optional option csv (a CSV with a 'path' column relative to ROOT and optional labels (ids or "
        "names joined by '|'), text, patient_id, study_id, split, view, laterality); option patient_salt when "
        "patient keys come from the CSV or DICOM PatientID."
    )
    version = ""
    has_official_split = False

    class Options(SourceOptions):
        modality: Literal["fundus", "cxr"] = Field(description="what the images are: fundus or cxr")
        csv: str | None = Field(None, description="CSV listing the images (path relative to the root, labels, text)")
        patient_salt: str | None = Field(
            None,
            description="secret mixed into patient-key hashes; needed when keys come from a CSV patient_id column "
            "or DICOM PatientID (keep it to rebuild identically; the manifest stores its hash)",
        )
        deidentified: bool = Field(
            False, description="the tree's folder and file names carry no identifiers: keep them as they are"
        )

    def find_layout(self) -> None:
        self.modality = self.options.modality  # the instance's modality replaces the class's "any"
        self._tree_identifiers: set[str] = set()  # identity tokens of every DICOM of a walked tree (see _walk)
        self.csv = None
        if self.options.csv:
            self.csv = self.option_path(self.options.csv)
            if not self.csv.is_file():
                raise LayoutError(self.name, self.root, f"the CSV {self.csv} named by option csv")
        elif not any(self._kind(path) for path in self.files.files_under(self.root)):
            raise LayoutError(self.name, self.root, "picture (png, jpg, tif) or DICOM files under the root")

    def records(self) -> Iterator[RawRecord | Reject]:
        from mgll_data.ontology import load_ontology

        ontology = load_ontology()
        if self.csv is None:
            yield from self._walk(ontology)
        else:
            yield from self._listed(ontology)

    def _salt(self, what: str) -> str:
        if self.options.patient_salt is None:
            raise RecipeError(
                f"folder source {self.root}: option patient_salt is required: {what} is a patient identifier, "
                "stored only as a salted hash (any secret string; keep it to rebuild with the same keys)"
            )
        return self.options.patient_salt

    def _published(self, relative: str, identity: dict[str, str]) -> str:
        """`relative` with identifier-like parts replaced by salted hashes (unless the tree is de-identified)."""
        if self.options.deidentified:
            return printable(relative)
        known = identifier_tokens(identity) | self._tree_identifiers
        return hash_identifiers(relative, known, self.options.patient_salt or "")

    def _patient(self, listed: str, identity: dict[str, str], published: str) -> str:
        if listed:
            return pseudonym(listed, self._salt("the CSV's patient_id column"), "p")
        if identity.get("PatientID"):
            return pseudonym(identity["PatientID"], self._salt("the DICOM PatientID"), "p")
        return str(Path(published).with_suffix(""))

    def _kind(self, path: Path) -> str | None:
        """'picture' or 'dicom' by suffix, DICOM by content for any other name; None for anything else."""
        spec = layout_spec("folder")
        suffix = path.suffix.casefold()
        if suffix in spec["picture_suffixes"]:
            return "picture"
        if suffix in spec["dicom_suffixes"] or has_dicom_magic(path):
            return "dicom"
        return None

    def _walk(self, ontology: Any) -> Iterator[RawRecord | Reject]:
        # First every DICOM header's identity: a folder named by a patient (`JD-0017/`) is hashed in the names of
        # all the files in it, a report or a thumbnail included, not only in the DICOM's own.
        found = []
        for path in self.files.files_under(self.root):
            problem = self.check_image_file(path)
            kind = None if problem else self._kind(path)
            found.append((path, problem, kind, dicom_identity(path) if kind == "dicom" else {}))
        self._tree_identifiers = set().union(*(identifier_tokens(identity) for *_, identity in found))
        yield from self.walk_rejects(name=lambda path: self._published(path.relative_to(self.root).as_posix(), {}))
        for path, problem, kind, identity in found:
            relative = path.relative_to(self.root).as_posix()
            published = self._published(relative, identity)
            if problem:
                yield self.reject(published, problem.stage, problem.reason)
                continue
            if kind is None:
                yield self.reject(published, "source", "not_an_image", f"suffix {path.suffix or '(none)'!r}")
                continue
            folder = printable(path.parent.name) if path.parent != self.root else None
            if folder and published.split("/")[-2] != folder:
                folder = None  # an identifier-like folder name is no keyword
            label = resolve_label(folder, self.modality, ontology) if folder else None
            yield self.record(
                published,
                path,
                self._patient("", identity, published),
                labels=[label] if label else [],
                keywords=[folder] if folder else [],
                source_entry=published,
                published_path=published,
            )

    def _read_csv(self) -> pd.DataFrame:
        table = read_table(self.csv, source=self.name, required=["path"], optional=OPTIONAL_COLUMNS).frame
        for column, allowed in (("split", SPLITS), ("laterality", tuple(LATERALITY))):
            bad = [f"row {i + 2}: {v!r}" for i, v in enumerate(table[column]) if v and v.casefold() not in allowed]
            if bad:
                raise LayoutError(
                    self.name, self.csv, f"{column} values in {allowed} or empty; got {'; '.join(bad[:5])}"
                )
        return table

    def _listed(self, ontology: Any) -> Iterator[RawRecord | Reject]:
        table = self._read_csv()
        for position, row in enumerate(table.itertuples(index=False)):
            entry = f"row {position + 2}"
            relative = row.path.strip()
            if not relative:
                yield self.reject(f"{self.csv.name}:{entry}", "source", "no_path")
                continue
            pure = PurePosixPath(relative.replace("\\", "/"))
            if pure.is_absolute() or Path(relative).is_absolute() or ".." in pure.parts:
                yield self.reject(f"{self.csv.name}:{entry}", "source", "outside_root", "the path leaves the root")
                continue
            path = self.locate_image(relative)
            if isinstance(path, Reject):
                yield path
                continue
            identity = dicom_identity(path) if self._kind(path) == "dicom" else {}
            published = self._published(Path(relative).as_posix(), identity)
            raw_labels = [x.strip() for x in row.labels.split(LABEL_SEPARATOR) if x.strip()]
            labels = [resolve_label(x, self.modality, ontology) for x in raw_labels]
            unknown = [raw for raw, found in zip(raw_labels, labels, strict=True) if found is None]
            if unknown:
                yield self.reject(published, "label", "unknown_label", f"{entry}: {', '.join(unknown)}")
                continue
            text = row.text.strip()
            yield self.record(
                published,
                path,
                self._patient(row.patient_id.strip(), identity, published),
                study_id=row.study_id.strip() or None,
                split=row.split.strip().casefold() or None,
                view=row.view.strip().upper() or None,
                laterality=LATERALITY.get(row.laterality.strip().casefold()),
                labels=list(dict.fromkeys(labels)),
                report={"findings": text} if text else None,
                source_file=self.csv.name,
                source_entry=entry,
                published_path=published,
            )
