"""The label ontology: canonical finding ids for fundus and chest X-ray, and maps from every source vocabulary.

Everything here is data: `findings/*.yaml` (one entry per finding: id, modality, kind, display name,
synonyms, abbreviations, parent, our own level-2 descriptions and level-3 explanations) and
`maps/<vocab>.tsv` (source label -> positive / uncertain / negative ids, in the vocabulary's order).

To add a finding: append an entry to `findings/fundus.yaml` or `findings/cxr.yaml` (`normal` and other
both-modality ids live in `findings/common.yaml`) with at least one description and one explanation
written in our own words, then run `mgll-data ontology lint`. Descriptions and explanations are paraphrases
that must hold for EVERY image carrying the finding (the trainer samples one per step): no severity, size or
side unless the finding itself is that grade ("mild cardiomegaly" would be false for most cardiomegaly rows).
The words that make a sentence specific (side, lobe, zone, acuity, lesion age, view, sub-type) are listed in
`specific_words.yaml`; lint fails on a free sentence using one its display name does not carry. Where such a
detail helps, write a `templates:` entry whose slot (`{eye}`, `{view_name}`, `{dr_grade}`, `{cdr}`) the row fills.
To add a vocabulary: create `maps/<vocab>.tsv` with the header `label positive uncertain negative note`
(tab-separated), one row per source label in the source's own order and spelling; join several ids with
`|`; write `-` in `positive` (and a note) for a label that deliberately carries no finding. Then lint,
and add a test that reads the source's real file and resolves every label through `map_label`.

    onto = load_ontology()
    onto["pleural_effusion"].display_name
    onto.map_label("odir_keyword", "suspected glaucoma").uncertain   # ['glaucoma']
"""

from mgll_data.ontology.loader import load_ontology, read_ontology
from mgll_data.ontology.model import (
    Finding,
    MapEntry,
    MappedLabel,
    Ontology,
    OntologyError,
    UnknownFinding,
    UnmappedLabel,
    normalise_label,
)

__all__ = [
    "Finding",
    "MapEntry",
    "MappedLabel",
    "Ontology",
    "OntologyError",
    "UnknownFinding",
    "UnmappedLabel",
    "load_ontology",
    "normalise_label",
    "read_ontology",
]
