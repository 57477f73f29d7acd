"""Streaming Parquet shard writer: bounded memory, explicit schema, atomic appearance.

Rows are buffered up to `row_group_size` and flushed as one row group, so a writer holds at most that
many encoded images. The file is written under a hidden temporary name in the same folder and renamed
on close, so a final shard name only ever points at a complete file.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from mgll_data import storage
from mgll_data.config_io import JsonObject
from mgll_data.output_layout import TMP_PREFIX
from mgll_data.schema import Row, arrow_schema


class ShardWriter:
    """Write rows of the record schema to `path`; use as a context manager (an error leaves no file)."""

    def __init__(self, path: storage.AnyPath, row_group_size: int, schema: pa.Schema | None = None):
        self.path = storage.location(path)
        self.tmp = self.path.with_name(f"{TMP_PREFIX}{self.path.name}")
        self.schema = schema or arrow_schema()
        self.row_group_size = row_group_size
        self.rows = 0
        self._buffer: list[JsonObject] = []
        # An object store gets a file object (uploaded in parts, committed on close); a local file its path.
        self._handle = self.tmp.open("wb") if storage.is_remote(self.tmp) else None
        self._writer = pq.ParquetWriter(self._handle or self.tmp, self.schema)

    def write(self, row: Row) -> None:
        self._buffer.append(row)
        if len(self._buffer) >= self.row_group_size:
            self._flush()

    def write_table(self, table: pa.Table) -> None:
        self._flush()
        self._writer.write_table(table, row_group_size=self.row_group_size)
        self.rows += table.num_rows

    def _flush(self) -> None:
        if self._buffer:
            self._writer.write_table(pa.Table.from_pylist(self._buffer, schema=self.schema))
            self.rows += len(self._buffer)
            self._buffer = []

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc_type is None:
            self._flush()
            self._writer.close()
            if self._handle:
                self._handle.close()
            storage.replace(self.tmp, self.path)
        else:
            self._writer.close()
            if self._handle:
                self._handle.close()
            self.tmp.unlink(missing_ok=True)
