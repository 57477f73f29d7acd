"""The `mgll-data` command line: thin commands over library calls.

Each command imports its stage lazily, so `mgll-data sources` never loads torch. Every `MgllError`
(a mistake the user can fix) ends as one message on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.table import Table

from mgll_data.errors import MgllError

app = typer.Typer(
    name="mgll-data",
    help="Build multi-granular image-text datasets from public fundus and chest X-ray sources.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
ontology_app = typer.Typer(help="Inspect and check the label ontology.", no_args_is_help=True)
app.add_typer(ontology_app, name="ontology")

console = Console()


@app.command()
def sources() -> None:
    """List the source adapters: expected layout, licence class and citation."""
    from mgll_data.sources import available_sources

    table = Table(show_lines=True)
    for column in ("name", "modality", "licence", "expected layout", "citation"):
        table.add_column(column, overflow="fold")
    for name, cls in sorted(available_sources().items()):
        table.add_row(name, cls.modality, cls.licence_class, cls.layout, cls.citation)
    console.print(table)


# --- foundation: build, validate, stats, push, export ---


# --- ontology ---


# --- images ---


# --- text: label ---


# --- train and eval ---


def main() -> None:
    """Console entry point."""
    try:
        app()
    except MgllError as error:
        Console(stderr=True).print(f"[bold red]error:[/] {error}", highlight=False)
        sys.exit(2)

