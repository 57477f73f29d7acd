"""Report text: sectioning, sentence splitting, the chest X-ray labeler and the three text granularities.

Names are resolved lazily: the labeler imports spaCy (and, through thinc, torch), which costs seconds and
hundreds of MB, so `from mgll_data.text.policy import TextPolicy` or the sectioner must not pay for it.
"""

from __future__ import annotations

from mgll_data.lazy import lazy_getattr

_EXPORTS = {
    "GranularTexts": ".compose",
    "compose_texts": ".compose",
    "disease_text": ".compose",
    "record_texts": ".compose",
    "Mention": ".labeler",
    "ReportLabels": ".labeler",
    "label_report": ".labeler",
    "label_reports": ".labeler",
    "SpanStatus": ".labeler",
    "Trigger": ".labeler",
    "span_status": ".labeler",
    "span_statuses": ".labeler",
    "TextPolicy": ".policy",
    "Section": ".sections",
    "section_report": ".sections",
    "sections_as_dict": ".sections",
    "sections_from_iu_xml": ".sections",
    "Sentence": ".sentences",
    "normalize_text": ".sentences",
    "split_sentences": ".sentences",
}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)
