"""Every registered adapter states its terms in one place (sources/terms.yaml), and the card never says a licence
is unknown without saying why."""

from __future__ import annotations

import ast
import inspect
import re

import pytest

from mgll_data.export.card import card_body
from mgll_data.sources import available_sources
from mgll_data.sources.base import Source
from mgll_data.sources.terms import CLASS_ATTRIBUTES, all_terms, terms_of, terms_problems

ADAPTERS = sorted(available_sources())


def test_every_registered_adapter_has_terms_and_no_stray_entries() -> None:
    assert len(ADAPTERS) >= 39
    assert sorted(all_terms()) == ADAPTERS


@pytest.mark.parametrize("name", ADAPTERS)
def test_adapter_terms_are_complete_and_in_one_place(name: str) -> None:
    cls = available_sources()[name]
    terms = terms_of(name)
    assert terms is not None and terms_problems(name, terms) == []
    for key in CLASS_ATTRIBUTES:  # filled from terms.yaml
        assert getattr(cls, key) == (terms[key] or "")
    for klass in cls.__mro__:  # ... and never stated in an adapter module's class bodies
        if klass.__module__.startswith("mgll_data.sources.") and klass is not Source:
            tree = ast.parse(inspect.getsource(klass))
            stated = {t.id for node in tree.body[0].body if isinstance(node, ast.Assign) for t in node.targets}
            assert not stated & set(CLASS_ATTRIBUTES), (klass.__qualname__, stated & set(CLASS_ATTRIBUTES))
    if name != "folder":  # the user's own images have no BibTeX to give
        bibtex = terms["bibtex"]
        assert re.match(r"^@\w+\{" + re.escape(name) + r"\w*,|^@\w+\{\w+,", bibtex), bibtex
        assert bibtex.count("{") == bibtex.count("}")


def test_an_adapter_stating_its_terms_itself_is_refused() -> None:
    with pytest.raises(TypeError, match="belong in mgll_data/sources/terms.yaml"):

        class Copy(Source):  # noqa: F841 - the class statement itself is what is tested
            __module__ = "mgll_data.sources.copy"  # as if defined in an adapter module of the package
            name = "aptos"
            modality = "fundus"
            licence_class = "open"
            layout = "ROOT"

            def find_layout(self) -> None: ...

            def records(self):  # type: ignore[override]
                return iter(())


def test_terms_problems_catch_an_unknown_licence_without_reason() -> None:
    terms = {**terms_of("aptos"), "license": "unknown", "unknown_reason": None, "redistribution": "maybe"}
    assert terms_problems("x", terms) == [
        "x: redistribution 'maybe' not in ('allowed', 'share_alike', 'no_derivatives', 'not_allowed', 'unstated')",
        "x: licence unknown without an unknown_reason",
    ]


def test_card_gives_every_licence_and_a_reason_for_each_unknown() -> None:
    sources = {name: {"adapter": name, "licence_class": available_sources()[name].licence_class} for name in ADAPTERS}
    manifest = {"recipe": {"name": "all"}, "sources": sources, "splits": {}, "counts": {}}
    body = card_body(manifest)
    for name in ADAPTERS:
        [line] = [line for line in body.splitlines() if line.startswith(f"- **{name}**: licence `")]
        if terms_of(name)["license"] == "unknown":
            assert "not known here, because " + terms_of(name)["unknown_reason"] in line
        assert "redistribution: " in line
