"""Publishing terms of each source in a manifest (licence, link, no-derivatives, annotators, BibTeX).

Kept apart from the adapters because only publishing needs them, and as data (`source_terms.yaml`) because
they are facts about datasets, not code. Manifest source entries are looked up by their `adapter` when
they name one (several entries may share an adapter), else by their key; an entry whose root is demo://
(drawn and written by mgll-data) has the `synthetic` terms, whichever layout its adapter reads.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from mgll_data.recipe import is_synthetic_root


@dataclass(frozen=True)
class SourceTerms:
    entry: str
    adapter: str
    licence_class: str
    license: str
    license_link: str | None
    no_derivatives: bool
    annotations_creators: tuple[str, ...]
    source_dataset: str | None
    bibtex: str | None


@functools.cache
def _terms_data() -> dict[str, Any]:
    text = resources.files("mgll_data.export").joinpath("source_terms.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def mgll_bibtex() -> str:
    return _terms_data()["mgll_bibtex"]


def source_terms(manifest: dict[str, Any]) -> list[SourceTerms]:
    """One entry per manifest source, in key order."""
    data = _terms_data()
    terms = []
    for entry, info in sorted(manifest.get("sources", {}).items()):
        adapter = info.get("adapter", entry)
        synthetic = is_synthetic_root(info.get("root", ""))
        known = data["synthetic"] if synthetic else data["sources"].get(adapter, data["unknown"])
        terms.append(
            SourceTerms(
                entry=entry,
                adapter=adapter,
                licence_class=info.get("licence_class", ""),
                license=known["license"],
                license_link=known["license_link"],
                no_derivatives=bool(known["no_derivatives"]),
                annotations_creators=tuple(known["annotations_creators"]),
                source_dataset=known["source_dataset"],
                bibtex=known["bibtex"],
            )
        )
    return terms
