"""Report labels in the build worker: label a chest X-ray record's report and merge with the source's labels.

Adapters only read reports into `RawRecord.report`; labelling runs here, in the worker that builds the shard,
so planning stays fast and `import mgll_data.engine` never loads spaCy (the labeler is imported on the first
report). The text labelled is findings + impression, as the Open-i evaluation scores it. A finding the source
states keeps the source's state; the report fills the findings the source leaves unstated. The report's
`normal` is kept only when the merged labels hold no positive or uncertain pathology; a source that calls the
study normal keeps its labels as they are.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import TYPE_CHECKING

from mgll_data.ontology import load_ontology
from mgll_data.text.policy import TextPolicy

if TYPE_CHECKING:
    from mgll_data.records import RawRecord
    from mgll_data.text.labeler import ReportLabels

LABELLED_SECTIONS = ("findings", "impression")


def report_text(report: dict[str, str] | None) -> str:
    """The part of a report the labeler reads: findings then impression."""
    return " ".join(report[k] for k in LABELLED_SECTIONS if report and report.get(k))


@lru_cache(maxsize=256)
def _label(text: str) -> ReportLabels:
    """Cached per text: a study's images share one report (IU X-ray lists up to five per report)."""
    from mgll_data.text.labeler import label_report

    return label_report(text)


def with_report_labels(record: RawRecord, policy: TextPolicy) -> RawRecord:
    """`record` with its report's labels merged in, when the policy asks for it and the record has a chest
    X-ray report; otherwise `record` unchanged. A row whose adapter chose the dataset's own label file
    (`attributes.label_origin == "dataset"`, e.g. MIMIC-CXR-JPG's CheXpert CSV) keeps exactly those labels."""
    text = report_text(record.report)
    if not policy.use_report_labels or record.modality != "cxr" or not text.strip():
        return record
    if record.attributes.get("label_origin") == "dataset":
        return record
    found = _label(text)
    stated = {*record.labels, *record.uncertain_labels, *record.negative_labels}
    if "normal" in record.labels:  # the source calls the study normal: the report adds no pathology to it
        return record
    positive = [*record.labels, *(f for f in found.labels if f not in stated and f != "normal")]
    uncertain = [*record.uncertain_labels, *(f for f in found.uncertain_labels if f not in stated)]
    negative = [*record.negative_labels, *(f for f in found.negative_labels if f not in stated)]
    ontology = load_ontology()
    if "normal" in found.labels and not any(
        f in ontology and ontology[f].kind != "device" for f in [*positive, *uncertain]
    ):
        positive.append("normal")
    return dataclasses.replace(
        record,
        labels=sorted(set(positive)),
        uncertain_labels=sorted(set(uncertain)),
        negative_labels=sorted(set(negative)),
    )
