"""Counting a table's rows, for the manifest and the restore's summary."""

from __future__ import annotations


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def count_query(table: str) -> str:
    # A table name from the catalog, quoted: no input reaches the query.
    return f"SELECT count(*) FROM {quoted(table)}"  # noqa: S608
