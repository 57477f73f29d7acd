"""Report text: sectioning, sentence splitting, the chest X-ray labeler and the three text granularities."""

from mgll_data.text.compose import GranularTexts, compose_texts, disease_text
from mgll_data.text.labeler import Mention, ReportLabels, label_report, label_reports
from mgll_data.text.policy import TextPolicy
from mgll_data.text.sections import Section, section_report, sections_as_dict, sections_from_iu_xml
from mgll_data.text.sentences import Sentence, normalize_text, split_sentences

__all__ = [
    "GranularTexts",
    "Mention",
    "ReportLabels",
    "Section",
    "Sentence",
    "TextPolicy",
    "compose_texts",
    "disease_text",
    "label_report",
    "label_reports",
    "normalize_text",
    "section_report",
    "sections_as_dict",
    "sections_from_iu_xml",
    "split_sentences",
]
