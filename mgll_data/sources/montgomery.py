"""Montgomery County chest X-ray set (NLM): 138 frontal CXRs, 80 normal and 58 with tuberculosis, with manual
lung masks. Readings start `Patient's Sex: F` / `Patient's Age: 027Y`; the lines after them are the finding."""

from __future__ import annotations

from mgll_data.sources.nlm_tb import NlmTbSource, parse_age, parse_sex


class MontgomerySource(NlmTbSource):
    name = "montgomery"
    modality = "cxr"
    prefix = "MCUCXR"
    metadata = "montgomery_metadata.csv"
    layout = (
        "ROOT/CXR_png/MCUCXR_####_{0|1}.png + ROOT/ClinicalReadings/MCUCXR_####_{0|1}.txt (+ ManualMask/leftMask, "
        "rightMask); or the Kaggle mirror ROOT/images/images/*.png + montgomery_metadata.csv"
    )
    version = "NLM 2014"

    @staticmethod
    def parse_header(lines: list[str]) -> tuple[dict, list[str]]:
        attributes: dict = {}
        findings = []
        for line in lines:
            key, _, value = line.partition(":")
            if key.casefold() == "patient's sex":
                attributes["sex"] = parse_sex(value)
            elif key.casefold() == "patient's age":
                attributes["age"] = parse_age(value)
            else:
                findings.append(line)
        return attributes, findings
