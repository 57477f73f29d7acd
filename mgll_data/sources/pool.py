"""Planning work spread over the build's workers, results in the adapter's order.

An adapter that does real work per item while listing (sectioning 227,835 MIMIC reports) hands that work, a pure
picklable function, to `Source.planning_map` instead of calling it in a loop. The map takes (argument, payload)
pairs: only the argument crosses to a worker and only the result comes back, while the payload (the table row,
what the record is built from) stays with the adapter, which builds its records in order from the results. Serial
by default; the engine swaps in a process pool when the build has several workers, so a record is still built and
pickled once, by the planner. Consecutive equal arguments (the images of one study) share one call.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Protocol, TypeVar

A = TypeVar("A", bound=Hashable)
P = TypeVar("P")
R = TypeVar("R")


class PlanningMap(Protocol):
    """`map(function, items)`: (payload, function(argument)) for each (argument, payload), in the items' order."""

    def __call__(self, function: Callable[[A], R], items: Iterable[tuple[A, P]]) -> Iterator[tuple[P, R]]: ...


def call_each(function: Callable[[A], R], arguments: list[A]) -> list[R]:
    """`function` over `arguments`, called once per run of equal consecutive arguments (one study's images)."""
    results: list[R] = []
    for i, argument in enumerate(arguments):
        results.append(results[-1] if i and argument == arguments[i - 1] else function(argument))
    return results


def serial_map(function: Callable[[A], R], items: Iterable[tuple[A, P]]) -> Iterator[tuple[P, R]]:
    """The planning map of a one-worker build: the work runs here, item by item."""
    last: tuple[A, R] | None = None
    for argument, payload in items:
        if last is None or last[0] != argument:
            last = argument, function(argument)
        yield payload, last[1]
