"""Publishing terms of each source in a manifest (licence, link, redistribution, annotators, BibTeX).

A registered adapter's terms are kept in one place, `mgll_data/sources/terms.yaml` (read through
`mgll_data.sources.terms`); `source_terms.yaml` here holds only the MGLL BibTeX, the `synthetic` terms of an
entry whose root is demo:// (drawn and written by mgll-data, whichever layout its adapter reads), and the terms
used for a source no adapter declares (an unregistered plugin), which promise nothing. Manifest source entries
are looked up by their `adapter` when they name one (several entries may share an adapter), else by their key.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from mgll_data.config_io import JsonObject
from mgll_data.data_files import read_data_yaml
from mgll_data.output_layout import ManifestJson
from mgll_data.recipe import is_synthetic_root
from mgll_data.sources.terms import terms_of


@dataclass(frozen=True)
class PublishingTerms:
    entry: str
    adapter: str
    licence_class: str
    license: str
    license_link: str | None
    no_derivatives: bool
    annotations_creators: tuple[str, ...]
    source_dataset: str | None
    bibtex: str | None
    redistribution: str = "unstated"
    unknown_reason: str | None = None
    terms_note: str | None = None


@functools.cache
def _terms_data() -> JsonObject:
    return read_data_yaml("mgll_data.export", "source_terms.yaml")


def mgll_bibtex() -> str:
    return _terms_data()["mgll_bibtex"]


def source_terms(manifest: ManifestJson) -> list[PublishingTerms]:
    """One entry per manifest source, in key order."""
    terms = []
    for entry, info in sorted(manifest.get("sources", {}).items()):
        adapter = info.get("adapter", entry)
        synthetic = is_synthetic_root(info.get("root", ""))
        known = _terms_data()["synthetic"] if synthetic else (terms_of(adapter) or _terms_data()["unknown"])
        terms.append(
            PublishingTerms(
                entry=entry,
                adapter=adapter,
                licence_class=info.get("licence_class", ""),
                license=known["license"],
                license_link=known["license_link"],
                no_derivatives=known["redistribution"] == "no_derivatives",
                annotations_creators=tuple(known["annotations_creators"]),
                source_dataset=known["source_dataset"],
                bibtex=known["bibtex"],
                redistribution=known["redistribution"],
                unknown_reason=known["unknown_reason"],
                terms_note=known["terms_note"],
            )
        )
    return terms
