"""Reading label tables as public downloads ship them: CSV, TSV, whitespace-separated TXT, XLSX / XLS.

Every adapter needs the same care: a UTF-8 BOM (RFMiD, BRSET), Windows line ends, latin-1 files, header
names with stray spaces or another case (ODIR, IDRiD), and a clear error naming the file and the columns it
lacks. `read_table` does all of it once and hands back string cells under canonical column names.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mgll_data import storage
from mgll_data.errors import LayoutError
from mgll_data.ontology.model import normalise_label

if TYPE_CHECKING:  # pandas is imported on the first table read: a folder of images alone does not pay for it
    import pandas as pd

TEXT_ENCODINGS: tuple[str, ...] = ("utf-8-sig", "latin-1")  # latin-1 decodes any byte: the recorded fallback
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


_ROWS_AT_ONCE = 8192


@dataclass
class Table:
    """A label table: string cells (blank = ""), canonical column names, and how the file was read."""

    frame: pd.DataFrame
    file: Path
    encoding: str | None
    header_row: int = 1  # the file line (1-based) holding the header; data starts on the next line

    def __len__(self) -> int:
        return len(self.frame)

    def rows(self) -> Iterable[tuple[str, dict[str, str]]]:
        """(entry, row) pairs; `entry` names the row as a user finds it in the file ("row 7" = 7th data line)."""
        names, first = [str(c) for c in self.frame.columns], self.header_row + 1
        prefix = f"{self.file.name}: line "
        for start in range(0, len(self.frame), _ROWS_AT_ONCE):
            # one list per column (no per-row Series), a block of rows at a time (no Python string per cell of a
            # large table held at once)
            block = self.frame.iloc[start : start + _ROWS_AT_ONCE]
            cells = [block.iloc[:, i].tolist() for i in range(len(names))]
            for position, values in enumerate(zip(*cells, strict=True), start=start + first):
                yield f"{prefix}{position}", dict(zip(names, values, strict=True))

    @property
    def columns(self) -> list[str]:
        return list(self.frame.columns)


def _table_suffix(path: Path) -> str:
    """The suffix naming the table format: `x.csv.gz` is a CSV (PhysioNet ships its tables gzipped)."""
    suffixes = [s.casefold() for s in path.suffixes]
    if suffixes[-1:] == [".gz"]:
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def _separator(path: Path, sep: str | None) -> str | None:
    if sep is not None:
        return sep
    suffix = _table_suffix(path)
    if suffix == ".tsv":
        return "\t"
    if suffix == ".txt":
        return r"\s+"
    return None  # sniffed below


def _sniff(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _read_text(path: Path, source: str) -> tuple[str, str]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise LayoutError(source, path, f"a readable label table ({error.strerror or error})") from None
    if path.suffix.casefold() == ".gz":  # PhysioNet's tables and redistributed label copies come gzipped
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise LayoutError(source, path, f"a gzip-compressed table ({error})") from None
    for encoding in TEXT_ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte string")


def _read_frame(
    path: Path, source: str, sep: str | None, header: bool, names: Sequence[str] | None, sheet: int | str
) -> tuple[pd.DataFrame, str | None]:
    import pandas as pd

    head = 0 if header else None
    if path.suffix.casefold() in EXCEL_SUFFIXES:
        try:
            engine = "xlrd" if path.suffix.casefold() == ".xls" else "openpyxl"
            with storage.open_input(path) as handle:
                frame = pd.read_excel(  # type: ignore[call-overload]  # pandas-stubs lack IO + names together
                    handle, sheet_name=sheet, dtype=str, header=head, names=names, keep_default_na=False, engine=engine
                )
        except ImportError as error:
            raise LayoutError(source, path, f"an Excel file; install the reader it needs ({error})") from None
        except Exception as error:  # noqa: BLE001 - a damaged workbook raises zipfile, xlrd, openpyxl or IndexError
            raise LayoutError(source, path, f"a readable Excel workbook ({type(error).__name__}: {error})") from None
        return frame, None
    text, encoding = _read_text(path, source)
    separator = _separator(path, sep) or _sniff(text)
    try:
        frame = pd.read_csv(  # type: ignore[call-overload]  # pandas-stubs lack a names sequence here
            io.StringIO(text),
            sep=separator,
            dtype=str,
            header=head,
            names=names,
            keep_default_na=False,
            skipinitialspace=True,
            engine="python" if len(separator) > 1 else "c",
        )
    except (ValueError, pd.errors.ParserError) as error:
        raise LayoutError(source, path, f"a {separator!r}-separated table ({error})") from None
    return frame, encoding


def read_table(
    path: Path,
    *,
    source: str,
    required: Mapping[str, Sequence[str]] | Sequence[str] = (),
    optional: Mapping[str, Sequence[str]] | Sequence[str] = (),
    sep: str | None = None,
    header: bool = True,
    names: Sequence[str] | None = None,
    sheet: int | str = 0,
    keep_other_columns: bool = False,
    allow_empty: bool = False,
) -> Table:
    """Read a label table and rename its columns to canonical names.

    `required` / `optional` map a canonical name to the header spellings it may have (a plain list means the
    canonical name is the only spelling). Headers match after trimming, case-folding and whitespace folding.
    A missing required column raises `LayoutError` naming the file, the columns missing and the ones found;
    a missing optional column is filled with "". With `header=False`, `names` gives the columns by position
    (files without a header line, such as the COVIDx label lists); rows shorter than `names` are padded.
    Only the named columns are kept unless `keep_other_columns` (tables whose label columns are the data, such
    as RFMiD's 46 condition columns). A table without a data row is a `LayoutError` naming it (a truncated
    download would otherwise vanish without a row or a reject) unless `allow_empty` (an optional extra table).
    """
    path = storage.location(path)
    if not storage.is_remote(path) and not path.is_file():  # a FIFO would block the read forever
        raise LayoutError(source, path, "a label table that is a regular file")
    frame, encoding = _read_frame(path, source, sep, header, names, sheet)
    frame = frame.fillna("").astype(str)
    frame.columns = [str(c).replace("\ufeff", "").strip() for c in frame.columns]
    spellings = {**_spellings(required), **_spellings(optional)}
    found = {normalise_label(c): c for c in frame.columns}
    rename: dict[str, str] = {}
    missing: list[str] = []
    for canonical, options in spellings.items():
        column = next((found[normalise_label(s)] for s in options if normalise_label(s) in found), None)
        if column is not None:
            rename[column] = canonical
        elif canonical in _spellings(required):
            missing.append(" or ".join(repr(s) for s in options))
    if missing:
        found_text = ", ".join(map(repr, frame.columns))
        raise LayoutError(source, path, f"a table with the column(s) {'; '.join(missing)}; found {found_text}")
    frame = frame.rename(columns=rename)
    for canonical in spellings:
        if canonical not in frame.columns:
            frame[canonical] = ""
    if not keep_other_columns:
        frame = frame[list(spellings)]
    frame = frame.apply(lambda column: column.str.strip())
    if frame.empty and not allow_empty:
        raise LayoutError(source, path, "a label table with at least one row; this one lists nothing")
    return Table(frame.reset_index(drop=True), path, encoding, header_row=1 if header else 0)


def _spellings(columns: Mapping[str, Sequence[str]] | Sequence[str]) -> dict[str, list[str]]:
    if isinstance(columns, Mapping):
        return {name: [name, *spellings] for name, spellings in columns.items()}
    return {name: [name] for name in columns}
