"""Shenzhen chest X-ray set (NLM, Shenzhen No.3 People's Hospital): 662 frontal CXRs, 326 normal and 336 with
tuberculosis. A reading's first line holds sex and age in free variants (`male 45yrs`, `femal 32yrs`,
`Female, 28yrs`, `male 16month`); the lines after it are the finding."""

from __future__ import annotations

import re

from mgll_data.sources.nlm_tb import NlmTbSource, parse_age, parse_sex

_FIRST_LINE = re.compile(r"^\s*([a-z]+)\W*\s+(\d.*)$", re.IGNORECASE)


class ShenzhenSource(NlmTbSource):
    name = "shenzhen"
    modality = "cxr"
    prefix = "CHNCXR"
    metadata = "shenzhen_metadata.csv"
    layout = (
        "ROOT/CXR_png/CHNCXR_####_{0|1}.png + ROOT/ClinicalReadings/CHNCXR_####_{0|1}.txt; or the Kaggle mirror "
        "ROOT/images/images/*.png + shenzhen_metadata.csv"
    )
    version = "NLM 2014"

    @staticmethod
    def parse_header(lines: list[str]) -> tuple[dict, list[str]]:
        found = _FIRST_LINE.match(lines[0]) if lines else None
        if found is None:
            return {}, lines
        return {"sex": parse_sex(found.group(1)), "age": parse_age(found.group(2))}, lines[1:]
