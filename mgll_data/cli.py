"""The `mgll-data` command line: thin commands over library calls.

Each command imports its stage lazily, so `mgll-data sources` never loads torch. Every `MgllError`
(a mistake the user can fix) ends as one message on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Literal

import typer
import typer.core
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mgll_data.errors import MgllError


class UsageCommand(typer.core.TyperCommand):
    """Usage lines name arguments as RECIPE or [DIR] (typer writes a required one as `{recipe}`, which reads as
    a set of choices)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, typer.core.TyperArgument):
                name = (param.metavar or param.name or "").upper()
                pieces.append(name if param.required else f"[{name}]")
        return pieces


# Plain help (no rich markup): help texts keep their brackets ("[dedup's default]") and flags show no type.
app = typer.Typer(
    name="mgll-data",
    help="Build multi-granular image-text datasets from public fundus and chest X-ray sources.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
ontology_app = typer.Typer(help="Inspect and check the label ontology.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(ontology_app, name="ontology")

console = Console()

# Allowed values shown in --help; tests/test_cli.py checks they equal the library's own lists.
Backend = Literal["local", "ray"]
ExportFormat = Literal["mgll-json", "csv", "webdataset"]
ModelFormat = Literal["open_clip", "hf"]
LabelVocab = Literal["chexpert", "chestxray14"]
Modality = Literal["fundus", "cxr"]
SET_HELP = (
    "Set one config key, checked like the YAML (repeatable): optim.lr=1e-4, data.batch_size=8, "
    "model.text=hf:ORG/NAME; values are read as YAML, paths are relative to the config file."
)
WIDE_COLUMNS = 120  # below this, tables keep to the columns that fit; --json has every field


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON on stdout, no colour or wrapping."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def _version(value: bool) -> None:
    if value:
        from mgll_data import __version__

        print(f"mgll-data {__version__}")
        raise typer.Exit()


@app.callback()
def _main_options(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, metavar="", help="Print the version and exit."
    ),
) -> None:
    """Build multi-granular image-text datasets from public fundus and chest X-ray sources."""


@app.command(cls=UsageCommand)
def sources(
    as_json: bool = typer.Option(False, "--json", metavar="", help="Print the adapters as JSON."),
) -> None:
    """List the source adapters: expected layout, options, licence class and citation."""
    from mgll_data.sources import available_sources
    from mgll_data.sources.base import option_descriptions

    adapters = sorted(available_sources().items())
    if as_json:
        fields = ("modality", "licence_class", "layout", "citation", "homepage", "version", "has_official_split")
        print_json(
            [
                {
                    "name": name,
                    **{f: getattr(cls, f) for f in fields},
                    "options": [
                        {"name": option, "type": kind, "doc": doc}
                        for option, kind, doc in option_descriptions(cls.Options)
                    ],
                }
                for name, cls in adapters
            ]
        )
        return
    table = Table(show_lines=True)
    table.add_column("name", no_wrap=True)
    table.add_column("modality", overflow="fold", max_width=10)
    table.add_column("licence", no_wrap=True)
    table.add_column("expected layout, options and citation", overflow="fold")
    for name, cls in adapters:
        options = "\n".join(f"{o} ({kind}): {doc}" for o, kind, doc in option_descriptions(cls.Options))
        details = "\n".join(escape(part) for part in (cls.layout, options) if part)
        table.add_row(name, cls.modality, cls.licence_class, f"{details}\n[dim]{escape(cls.citation)}[/]")
    console.print(table)


@app.command("rejects", cls=UsageCommand)
def rejects_command(
    folder: str | None = typer.Argument(
        None, metavar="DIR", help="A built dataset folder: count its rejects by source and reason."
    ),
    reasons: bool = typer.Option(
        False, "--reasons", metavar="", help="List every reject reason with its stages and meaning."
    ),
    as_json: bool = typer.Option(False, "--json", metavar="", help="Print the reasons or the counts as JSON."),
) -> None:
    """Explain rejects: the registry of reasons (--reasons), or a built folder's rejects by source and reason."""
    from mgll_data.rejects import reason_table

    if as_json and (reasons or folder is None):
        print_json({code: {"stages": list(i.stages), "meaning": i.meaning} for code, i in reason_table().items()})
        return
    if reasons or folder is None:
        table = Table()
        for column in ("reason", "stages", "meaning"):
            table.add_column(column, overflow="fold")
        for info in reason_table().values():
            table.add_row(info.code, ", ".join(info.stages), info.meaning)
        console.print(table)
        return
    from pathlib import Path

    from mgll_data.checks.folder import check_output
    from mgll_data.checks.stats import reject_summary

    check_output(folder)
    summary = reject_summary(Path(folder))
    if as_json:
        print_json(summary)
        return
    meanings = reason_table()
    table = Table(title=f"{summary['total']} rejected item(s)")
    for column in ("source", "reason", "count", "meaning"):
        table.add_column(column, overflow="fold")
    for source, counts in summary["by_source"].items():
        for reason, n in counts.items():
            info = meanings.get(reason)
            table.add_row(source, reason, str(n), info.meaning if info else "")
    console.print(table)


# --- foundation: build, validate, stats, push, export ---


@app.command("build", cls=UsageCommand)
def build_command(
    recipe: str = typer.Argument(..., help="Recipe YAML (see recipes/ and schemas/recipe.schema.json)."),
    out: str | None = typer.Option(None, "--out", help="Output folder (default: the recipe's output.dir)."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes for the local backend."),
    backend: Backend = typer.Option("local", "--backend", help="local (process pool) or ray (needs the ray extra)."),
    address: str | None = typer.Option(
        None, "--address", help="Ray cluster: auto (started with `ray start`) or HOST:PORT; default a local one."
    ),
    quiet: bool = typer.Option(False, "--quiet", metavar="", help="No progress bars or build messages."),
    break_lock: bool = typer.Option(
        False,
        "--break-lock",
        metavar="",
        help="Take over the output folder's lock from a build that is gone (crashed machine).",
    ),
) -> None:
    """Build a dataset folder from a recipe: resumable (rerun after a kill), deterministic, with progress."""
    from mgll_data.recipe import load_recipe

    if address is not None and backend != "ray":
        raise MgllError(f"--address {address}: only the ray backend connects to a cluster; add --backend ray")
    parsed = load_recipe(recipe)  # a recipe mistake is reported before the build machinery is imported
    from mgll_data.builder import build_recipe
    from mgll_data.engine import BuildProgress
    from mgll_data.engine.summary import summary_table

    progress = BuildProgress(quiet=quiet, console=console)
    result = build_recipe(
        parsed, out=out, workers=workers, backend=backend, progress=progress, break_lock=break_lock, address=address
    )
    console.print(summary_table(result), highlight=False)


@app.command("plan", cls=UsageCommand)
def plan_command(
    recipe: str = typer.Argument(..., help="Recipe YAML (see recipes/)."),
    as_json: bool = typer.Option(False, "--json", metavar="", help="Print the plan as JSON."),
    workers: int = typer.Option(
        0, "--workers", min=0, help="Processes listing the source entries at once (0: one per core, one per entry)."
    ),
) -> None:
    """Preview a build without decoding or writing: per source the parts found and missing, images listed, rows
    and rejects by reason to expect, unmapped values and whether the split is official or the recipe's."""
    from mgll_data.recipe import load_recipe

    parsed = load_recipe(recipe)
    from mgll_data.engine.pool import usable_cores
    from mgll_data.engine.preview import preview_recipe

    previews = [found.as_json() for found in preview_recipe(parsed, workers=workers or usable_cores())]
    if as_json:
        print_json({"recipe": parsed.name, "sources": previews})
        return
    table = Table(title=f"plan of {parsed.name} (nothing decoded or written)")
    for column in ("source", "listed", "rows", "split", "rejects by reason", "parts read", "parts missing"):
        table.add_column(column, overflow="fold")
    for found in previews:
        rows = ", ".join(f"{split} {n}" for split, n in found["rows_by_split"].items()) or "0"
        rejects = ", ".join(f"{reason} {n}" for reason, n in found["rejects_by_reason"].items()) or "none"
        read = ", ".join(f"{part} ({n})" for part, n in found["parts_read"].items()) or "none"
        missing = "; ".join(f"{p['part']}: {p['detail']}" for p in found["parts_missing"]) or "none"
        split = found["split_origin"] + ("" if found["official_split_defined"] else " (source defines none)")
        table.add_row(found["entry"], str(found["listed"]), rows, split, rejects, read, missing)
    console.print(table)
    for found in previews:
        for what, values in found["unmapped"].items():
            listed = ", ".join(f"{value!r} {n}" for value, n in values.items())
            console.print(f"{found['entry']}: unmapped {what}: {listed}", highlight=False)


# --- foundation (output folder): validate, stats, push, export ---


@app.command("validate", cls=UsageCommand)
def validate_command(
    directory: str = typer.Argument(..., help="A built output folder (README.md, manifest.json, data/)."),
    skip_images: bool = typer.Option(
        False, "--skip-images", metavar="", help="Do not decode image bytes (much faster)."
    ),
    as_json: bool = typer.Option(False, "--json", metavar="", help="Print the result as JSON (exit 1 still)."),
) -> None:
    """Check a built folder against the output contract and list every violation (exit 1 if any)."""
    from dataclasses import asdict

    from mgll_data.checks.folder import check_output
    from mgll_data.checks.validate import summarise, validate_output

    check_output(directory)
    violations = validate_output(directory, check_images=not skip_images)
    if as_json:
        found = [asdict(violation) for violation in violations]
        summary = summarise(violations)
        print_json({"directory": directory, "ok": not violations, "summary": summary, "violations": found})
        if violations:
            raise typer.Exit(1)
        return
    for violation in violations:
        console.print(f"[red]x[/] {violation.file}: {violation.message}", highlight=False, soft_wrap=True)
    if violations:
        summary = ", ".join(f"{check} {count}" for check, count in sorted(summarise(violations).items()))
        console.print(f"[bold red]{len(violations)} violation(s)[/] in {directory} ({summary})", highlight=False)
        raise typer.Exit(1)
    console.print(f"[green]ok[/] {directory} meets the output contract", highlight=False)


@app.command("stats", cls=UsageCommand)
def stats_command(
    directory: str = typer.Argument(..., help="A built output folder."),
    report: str | None = typer.Option(None, "--report", help="Folder for report.md, stats.json, plots [DIR/stats]."),
    near_distance: int | None = typer.Option(
        None, "--near-distance", help="Max Hamming distance of near-duplicate phashes [dedup's default]."
    ),
    as_json: bool = typer.Option(False, "--json", metavar="", help="Print the statistics as JSON too."),
) -> None:
    """Counts, label prevalence, text lengths, duplicate clusters and rejects, as a Markdown report with plots."""

    from mgll_data import storage
    from mgll_data.checks.folder import check_output
    from mgll_data.checks.stats import compute_stats, print_summary, write_report

    check_output(directory)
    result = compute_stats(directory, near_distance=near_distance)
    written = write_report(result, report or storage.location(directory) / "stats")
    if as_json:
        print_json(result)
        return
    print_summary(result, console)
    console.print(f"report: {written}", highlight=False)


@app.command("push", cls=UsageCommand)
def push_command(
    directory: str = typer.Argument(..., help="A built output folder."),
    repo_id: str = typer.Option(..., "--repo-id", help="Hub dataset repository, ORG/NAME."),
    private: bool = typer.Option(False, "--private", metavar="", help="Create the repository as private."),
    allow_credentialed: bool = typer.Option(
        False, "--allow-credentialed", metavar="", help="Publish even though a source needs credentialed access."
    ),
    token: str | None = typer.Option(None, "--token", help="Hub token [HF_TOKEN or the cached login]."),
    revision: str | None = typer.Option(None, "--revision", help="Branch to push to (created from main if missing)."),
    create_pr: bool = typer.Option(
        False, "--create-pr", metavar="", help="Open a pull request instead of committing to main."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", metavar="", help="Show the files, sizes and card diff; upload nothing."
    ),
) -> None:
    """Validate, then upload the folder to a Hub dataset repository (refuses credentialed sources).

    Nothing in the folder changes unless the upload succeeds; an interrupted upload resumes when re-run.
    """
    from mgll_data.checks.folder import check_output
    from mgll_data.export.push import plan_push, push_output

    check_output(directory, checksums=True)
    plan = plan_push(directory, repo_id, allow_credentialed=allow_credentialed)
    errors = Console(stderr=True, soft_wrap=True)
    for warning in plan.warnings:
        errors.print(f"[bold yellow]warning:[/] {escape(warning)}", highlight=False)
    if dry_run:
        table = Table(title=f"would upload to {repo_id} (dry run)")
        table.add_column("file", overflow="fold")
        table.add_column("bytes", justify="right")
        for path, size in plan.files:
            table.add_row(path, f"{size:,}")
        table.add_row(f"{len(plan.files)} files", f"{plan.total_bytes:,}")
        console.print(table)
        diff = plan.card_diff()
        message = diff if diff else f"{plan.out_dir}/README.md: unchanged"
        console.print(message, markup=False, highlight=False, soft_wrap=True)
        return
    result = push_output(
        directory, repo_id, private=private, token=token, revision=revision, create_pr=create_pr, plan=plan
    )
    target = result.pr_url or result.commit_url or result.url
    console.print(f"[green]pushed[/] {escape(directory)} to {escape(target)}", highlight=False)


@app.command("export", cls=UsageCommand)
def export_command(
    directory: str = typer.Argument(..., help="A built output folder."),
    format_name: ExportFormat = typer.Option(
        ..., "--format", help="The public MGLL code's JSON, a flat CSV, or WebDataset tar shards."
    ),
    out: str = typer.Option(..., "--out", help="Destination folder (new or empty)."),
    shard_size: int | None = typer.Option(None, "--shard-size", min=1, help="webdataset: rows per tar shard [1000]."),
    shard_bytes: int | None = typer.Option(
        None, "--shard-bytes", min=1, help="webdataset: also close a shard once it holds this many bytes."
    ),
    image_size: int | None = typer.Option(
        None, "--image-size", min=1, help="webdataset: shrink images to fit N x N px (aspect kept) [as stored]."
    ),
) -> None:
    """Write the rows in another layout: MGLL training JSON or flat CSV with image files, or WebDataset tars."""
    from mgll_data.checks.folder import check_output
    from mgll_data.export.formats import export_output

    given = {"shard_size": shard_size, "shard_bytes": shard_bytes, "image_size": image_size}
    options = {key: value for key, value in given.items() if value is not None}
    if format_name != "webdataset" and options:
        named = ", ".join("--" + key.replace("_", "-") for key in options)
        raise MgllError(f"{named}: only --format webdataset takes shard and image options")
    check_output(directory, checksums=True)
    result = export_output(directory, format_name, out, **options)
    console.print(f"[green]exported[/] {result.rows} rows ({result.format}) to {result.dest}", highlight=False)


@app.command("export-model", cls=UsageCommand)
def export_model_command(
    checkpoint: str = typer.Argument(..., help="A checkpoint folder, or a run folder (its latest checkpoint)."),
    format_name: ModelFormat = typer.Option(..., "--format", help="open_clip, or hf (transformers, remote code)."),
    out: str = typer.Option(..., "--out", help="Destination folder (new or empty)."),
    repo_id: str | None = typer.Option(
        None, "--repo-id", help="Hub repository (ORG/NAME) the export will be uploaded to; named in its files."
    ),
) -> None:
    """Write a trained model with its preprocessing and tokenizer so open_clip or transformers load it alone."""
    from mgll_data.train.export_model import export_model

    result = export_model(checkpoint, out, format_name, repo_id=repo_id)
    console.print(f"[green]exported[/] {result.format} model to {escape(str(result.dest))}", highlight=False)


# --- ontology ---


@ontology_app.command("lint", cls=UsageCommand)
def ontology_lint(
    data_dir: str | None = typer.Option(None, "--data-dir", help="Ontology data folder (default: the package's)."),
    odir_csv: str | None = typer.Option(None, "--odir-csv", help="ODIR full_df.csv whose keywords must all map."),
) -> None:
    """Check the ontology; list every problem and exit 1 if there is any."""
    from pathlib import Path

    from mgll_data.ontology import OntologyError, read_ontology
    from mgll_data.ontology.lint import lint, odir_keywords
    from mgll_data.ontology.loader import PACKAGE_DATA

    try:
        onto = read_ontology(Path(data_dir) if data_dir else PACKAGE_DATA)
    except OntologyError as error:
        console.print(str(error), markup=False, highlight=False, soft_wrap=True)
        console.print("[red]1 problem[/] (the data could not be read)")
        raise typer.Exit(1) from None
    problems = lint(onto, {"odir_keyword": odir_keywords(Path(odir_csv))} if odir_csv else None)
    for problem in problems:
        console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    if problems:
        console.print(f"[red]{len(problems)} problem(s)[/]")
        raise typer.Exit(1)
    console.print(f"ontology ok: {len(onto)} findings, {len(onto.vocabularies())} vocabularies")


@ontology_app.command("show", cls=UsageCommand)
def ontology_show(
    modality: Modality | None = typer.Option(None, "--modality", help="Only this modality's findings [all]."),
    data_dir: str | None = typer.Option(None, "--data-dir", help="Ontology data folder (default: the package's)."),
    as_json: bool = typer.Option(False, "--json", metavar="", help="Print every field of every finding as JSON."),
) -> None:
    """Print the findings per modality: id, kind, parent (wider terminals: names and descriptions too)."""
    from dataclasses import asdict

    from mgll_data.ontology import load_ontology

    findings = load_ontology(data_dir).findings(modality)
    if as_json:
        print_json([{k: v for k, v in asdict(f).items() if k != "texts_by_modality"} for f in findings])
        return
    wide = console.width >= WIDE_COLUMNS
    for group in dict.fromkeys(finding.modality for finding in findings):
        table = Table(title=f"{group} findings", box=box.SIMPLE_HEAD, title_justify="left")
        table.add_column("id", no_wrap=True)  # ids are copied into recipes and maps: never folded
        table.add_column("kind", overflow="fold", min_width=8)
        table.add_column("parent", overflow="fold", min_width=12)
        if wide:
            for column in ("display name", "abbreviations", "description"):
                table.add_column(column, overflow="fold")
        for finding in (f for f in findings if f.modality == group):
            row = [finding.id, finding.kind, finding.parent or ""]
            if wide:
                first = finding.descriptions[0] if finding.descriptions else ""
                row += [finding.display_name, ", ".join(finding.abbreviations), first]
            table.add_row(*row)
        console.print(table)
    if not wide:
        console.print(f"display names, abbreviations, descriptions: {WIDE_COLUMNS}+ columns or --json", style="dim")


# --- text: label ---


@app.command(cls=UsageCommand)
def label(
    reports_csv: str = typer.Argument(..., help="one report per row, no header (the CheXpert labeler's input)"),
    out: str = typer.Option(..., "--out", help="output CSV: Reports + one column per finding (1.0/0.0/-1.0/blank)"),
    vocab: LabelVocab = typer.Option("chexpert", "--vocab", help="label columns"),
    explain: bool = typer.Option(
        False, "--explain", metavar="", help="print each report's mentions and their triggers"
    ),
) -> None:
    """Label chest X-ray reports offline, in the CheXpert labeler's CSV format."""
    from pathlib import Path

    from mgll_data.text.chexpert_csv import HEADER, label_csv
    from mgll_data.text.chexpert_csv import explain as explain_lines

    labelled = label_csv(Path(reports_csv), Path(out), vocab)
    if labelled.skipped_header:
        Console(stderr=True).print(
            f"warning: {reports_csv}: row 1 is the header {HEADER!r}, skipped (the input has no header)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if explain:
        for line in explain_lines(labelled):
            console.print(line, markup=False, highlight=False, soft_wrap=True)
    console.print(f"labelled {len(labelled.reports)} reports -> {out}", markup=False, highlight=False)


# --- train and eval ---


@app.command("train", cls=UsageCommand)
def train_command(
    config: str = typer.Argument(..., help="training config YAML (see recipes/train-demo.yaml)"),
    resume: str = typer.Option(None, help="'auto' (latest checkpoint in run.output_dir) or a checkpoint path"),
    max_steps: int = typer.Option(None, help="override optim.max_steps"),
    overrides: list[str] = typer.Option([], "--set", metavar="KEY.PATH=VALUE", help=SET_HELP),
) -> None:
    """Train an MGLL model on a built dataset; the same command under torchrun runs on N GPUs."""
    from mgll_data.train.config import load_train_config
    from mgll_data.train.trainer import train

    settings = load_train_config(config, overrides)
    if resume is not None:
        settings = settings.model_copy(update={"run": settings.run.model_copy(update={"resume": resume})})
    if max_steps is not None:
        settings = settings.model_copy(update={"optim": settings.optim.model_copy(update={"max_steps": max_steps})})
    result = train(settings, console)
    if result.checkpoint is not None:
        console.print(f"last step {result.step}: loss {result.last_loss:.4f}; checkpoint {result.checkpoint}")


@app.command("eval", cls=UsageCommand)
def eval_command(
    config: str = typer.Argument(..., help="eval config YAML (see recipes/eval-demo.yaml)"),
    overrides: list[str] = typer.Option([], "--set", metavar="KEY.PATH=VALUE", help=SET_HELP),
) -> None:
    """Evaluate a checkpoint: linear probe, zero-shot, retrieval, fine-tune; writes results.json and results.md."""
    from mgll_data.eval.config import load_eval_config
    from mgll_data.eval.report import render_markdown
    from mgll_data.eval.runner import run_eval

    settings = load_eval_config(config, overrides)
    results = run_eval(settings, origin=config, log=lambda line: console.print(line, highlight=False))
    print(render_markdown(results.to_json()))


def main() -> None:
    """Console entry point."""
    try:
        app()
    except MgllError as error:
        # soft_wrap keeps long paths on one line; escape keeps "mgll-data[ray]" from being read as markup
        Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        sys.exit(getattr(error, "exit_code", 2))



if __name__ == "__main__":
    main()
