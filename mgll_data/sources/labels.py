"""Label states of one image, filled from source labels through the ontology's vocabulary maps.

Each finding on a row is positive, uncertain, negative or not stated. A stronger statement wins when two
labels touch the same finding (positive over uncertain over negative), so "grade 0" in one column and a
positive in another never leave a finding both present and absent. `normal` is positive only when a source
label maps to it (ODIR N, "No Finding", a normal class folder): an image with nothing positive is not thereby
normal. Attributes a label implies (a grade scale's `dr_grade`) come along.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from mgll_data.ontology import MappedLabel, load_ontology
from mgll_data.schema import Attributes

State = Literal["positive", "uncertain", "negative"]
STATES: tuple[State, ...] = ("positive", "uncertain", "negative")
_RANK = {state: rank for rank, state in enumerate(STATES)}
_ontology = cache(load_ontology)  # the package ontology, looked up once: `add` runs for every label of every row


@dataclass
class LabelSet:
    """Positive, uncertain and negative ontology ids of one image, plus implied attributes.

    `add(vocab, label)` maps one source label and merges it; `as_fields()` gives the RawRecord keywords
    (`labels`, `uncertain_labels`, `negative_labels`) so adapters never copy lists by hand.
    """

    positive: dict[str, None] = field(default_factory=dict)
    uncertain: dict[str, None] = field(default_factory=dict)
    negative: dict[str, None] = field(default_factory=dict)
    attributes: Attributes = field(default_factory=dict)

    def add(self, vocab: str, label: str | int, state: State | None = None) -> MappedLabel:
        """Merge what `label` means in `vocab`; raises `UnmappedLabel` when the map lacks it.

        With `state`, the label's own findings take that state: the CheXpert convention, where a column
        names a finding and its cell (1 / -1 / 0) says positive / uncertain / negative. `normal` is never
        made uncertain or negative that way: "not normal" states no finding.
        """
        mapped = _ontology().map_label(vocab, label)
        if state is None:
            self.add_ids(mapped.positive, "positive")
            self.add_ids(mapped.uncertain, "uncertain")
            self.add_ids(mapped.negative, "negative")
        else:
            ids = [i for i in mapped.positive if state == "positive" or i != "normal"]
            self.add_ids(ids, state)
        self.attributes.update(mapped.attributes)
        return mapped

    def add_ids(self, ids: Iterable[str], state: State = "positive") -> None:
        """Merge ontology ids in one state (the stronger state of a finding wins)."""
        if not ids:  # most labels state findings in one state only: `add` passes the other two empty
            return
        buckets = (self.positive, self.uncertain, self.negative)
        rank = _RANK[state]
        target, stronger, weaker = buckets[rank], buckets[:rank], buckets[rank + 1 :]
        for finding_id in ids:
            if finding_id in target or any(finding_id in bucket for bucket in stronger):
                continue
            for bucket in weaker:
                bucket.pop(finding_id, None)
            target[finding_id] = None

    def state_of(self, finding_id: str) -> State | None:
        return next((s for s in STATES if finding_id in getattr(self, s)), None)

    def __bool__(self) -> bool:
        return bool(self.positive or self.uncertain or self.negative)

    def as_fields(self) -> dict[str, list[str]]:
        """`labels`, `uncertain_labels`, `negative_labels` for a RawRecord."""
        return {
            "labels": list(self.positive),
            "uncertain_labels": list(self.uncertain),
            "negative_labels": list(self.negative),
        }
