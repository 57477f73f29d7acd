"""`read_table` on every shape a download gives: any header spelling, encoding, line end and format."""

from __future__ import annotations

import csv
import io
import string
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgll_data.errors import LayoutError
from mgll_data.sources.tables import read_table

CELL = st.text(alphabet=string.ascii_letters + string.digits + " .,;-_éü/", max_size=12)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def respell(name: str, draw_case: list[bool], pad: tuple[int, int]) -> str:
    """A header as a careless spreadsheet writes it: other case, stray spaces around."""
    cased = (
        "".join(c.upper() if up else c.lower() for c, up in zip(name, draw_case, strict=False)) + name[len(draw_case) :]
    )
    return " " * pad[0] + cased + " " * pad[1]


@st.composite
def tables(draw):
    names = draw(
        st.lists(st.sampled_from(["id", "grade", "eye", "patient", "note"]), min_size=1, max_size=5, unique=True)
    )
    rows = draw(st.lists(st.lists(CELL, min_size=len(names), max_size=len(names)), min_size=1, max_size=8))
    headers = [
        respell(n, draw(st.lists(st.booleans(), max_size=len(n))), (draw(st.integers(0, 2)), draw(st.integers(0, 2))))
        for n in names
    ]
    return names, headers, rows


@SETTINGS
@given(
    table=tables(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    suffix=st.sampled_from([".csv", ".tsv", ".csv.gz"]),
)
def test_text_tables_give_back_every_cell_under_its_canonical_name(tmp_path, table, encoding, newline, suffix):
    names, headers, rows = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t" if suffix == ".tsv" else ",", lineterminator=newline)
    writer.writerow(headers)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    path = tmp_path / f"labels{suffix}"
    if suffix.endswith(".gz"):
        import gzip

        data = gzip.compress(data)
    path.write_bytes(data)
    read = read_table(path, source="kit", required=names)
    assert read.columns == names
    assert [row for _, row in read.rows()] == [
        {n: cell.strip() for n, cell in zip(names, row, strict=True)} for row in rows
    ]


@SETTINGS
@given(table=tables())
def test_xlsx_tables_read_like_csv(tmp_path, table):
    names, headers, rows = table
    rows = [row for row in rows if any(cell.strip() for cell in row)]  # a spreadsheet keeps no blank row
    path = tmp_path / "labels.xlsx"
    pd.DataFrame(rows, columns=headers).to_excel(path, index=False)
    read = read_table(path, source="kit", required=names)
    expected = [{n: cell.strip() for n, cell in zip(names, row, strict=True)} for row in rows]
    assert [row for _, row in read.rows()] == expected


def test_a_missing_column_names_the_file_the_column_and_what_was_found(tmp_path):
    path = tmp_path / "train.csv"
    path.write_text("id_code,grade\nA,1\n", encoding="utf-8")
    with pytest.raises(LayoutError) as error:
        read_table(path, source="kit", required={"diagnosis": ["Diagnosis", "level"]})
    message = str(error.value)
    assert str(path) in message and "'diagnosis' or 'Diagnosis' or 'level'" in message and "'id_code'" in message


def test_entries_name_the_line_a_user_finds_in_the_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id\nA\nB\n", encoding="utf-8")
    assert [entry for entry, _ in read_table(Path(path), source="kit", required=["id"]).rows()] == [
        "t.csv: line 2",
        "t.csv: line 3",
    ]


def test_optional_columns_are_blank_when_absent_and_header_less_files_read_by_position(tmp_path):
    path = tmp_path / "list.txt"
    path.write_text("a.png 1\nb.png\n", encoding="utf-8")
    read = read_table(
        path, source="kit", required=["image"], optional=["label"], sep=" ", header=False, names=["image", "label"]
    )
    assert [row for _, row in read.rows()] == [{"image": "a.png", "label": "1"}, {"image": "b.png", "label": ""}]
