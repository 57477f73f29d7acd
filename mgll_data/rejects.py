"""The one registry of reject reasons, shared by every stage (sources, planning, images, text, finalise).

Codes and their one-line meanings live in `data/reject_reasons.yaml`, so a new reason is a data change that
`mgll-data rejects --reasons` and the dataset card pick up. `RejectReason` is built from that file; a code
that is not registered is a programming error (ValueError), never a silent free string.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from mgll_data.data_files import read_data_yaml

STAGES: tuple[str, ...] = ("source", "label", "plan", "image", "text", "finalize")


@dataclass(frozen=True)
class ReasonInfo:
    code: str
    stages: tuple[str, ...]
    meaning: str


@cache
def reason_table() -> dict[str, ReasonInfo]:
    """Code -> meaning and stages, in file order."""
    table = {}
    for code, entry in read_data_yaml("mgll_data", "data/reject_reasons.yaml").items():
        stages = tuple(entry["stage"])
        unknown = set(stages) - set(STAGES)
        if unknown:
            raise ValueError(f"reject_reasons.yaml: {code}: unknown stage(s) {sorted(unknown)}; allowed {STAGES}")
        table[code] = ReasonInfo(code, stages, entry["meaning"])
    return table


RejectReason = StrEnum("RejectReason", {code.upper(): code for code in reason_table()})  # type: ignore[misc]


def check_reason(reason: str, stage: str) -> str:
    """`reason` as a registered code raised at `stage`; ValueError otherwise (a bug in the caller)."""
    info = reason_table().get(str(reason))
    if info is None:
        raise ValueError(f"reject reason {reason!r} is not in mgll_data/data/reject_reasons.yaml")
    if stage not in info.stages:
        raise ValueError(f"reject reason {reason!r} is registered for stages {info.stages}, not {stage!r}")
    return info.code
