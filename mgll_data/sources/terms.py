"""Each adapter's terms (access class, licence, link, redistribution, citation, homepage, BibTeX), read from the one
place they are kept: `terms.yaml` beside this module.

`Source` fills an adapter's `licence_class`, `citation` and `homepage` from here when the class is defined, so the
manifest, `mgll-data sources`, the dataset card and `push` all see the same facts.
"""

from __future__ import annotations

from functools import cache

from mgll_data.config_io import JsonObject
from mgll_data.data_files import read_data_yaml

REDISTRIBUTION: tuple[str, ...] = ("allowed", "share_alike", "no_derivatives", "not_allowed", "unstated")
CLASS_ATTRIBUTES: tuple[str, ...] = ("licence_class", "citation", "homepage")
TERM_KEYS: tuple[str, ...] = (
    *CLASS_ATTRIBUTES,
    "license",
    "license_link",
    "redistribution",
    "unknown_reason",
    "terms_note",
    "annotations_creators",
    "source_dataset",
    "bibtex",
)


@cache
def all_terms() -> dict[str, JsonObject]:
    """Adapter name -> its terms, as `terms.yaml` states them."""
    return read_data_yaml("mgll_data.sources", "terms.yaml")["sources"]


def terms_of(adapter: str) -> JsonObject | None:
    """The terms of a registered adapter, or None for one `terms.yaml` does not list (a test or plugin adapter)."""
    return all_terms().get(adapter)


def terms_problems(adapter: str, terms: JsonObject) -> list[str]:
    """What is wrong with one adapter's entry: a missing key, an unknown redistribution class, an `unknown`
    licence without its reason, or no BibTeX."""
    problems = [f"{adapter}: no {key}" for key in TERM_KEYS if key not in terms]
    if terms.get("redistribution") not in REDISTRIBUTION:
        problems.append(f"{adapter}: redistribution {terms.get('redistribution')!r} not in {REDISTRIBUTION}")
    if terms.get("license") == "unknown" and not str(terms.get("unknown_reason") or "").strip():
        problems.append(f"{adapter}: licence unknown without an unknown_reason")
    if not str(terms.get("license") or "").strip() or not str(terms.get("citation") or "").strip():
        problems.append(f"{adapter}: licence and citation must be stated")
    return problems
