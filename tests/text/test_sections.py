"""Sectioner: every header spelling in the data file, MIMIC / inline / IU XML layouts, MIT-LCP parser defects."""

from __future__ import annotations

import tarfile

import pytest

from mgll_data.text.sections import (
    TIER_HEADER,
    TIER_KEYWORD,
    TIER_LAST_PARAGRAPH,
    TIER_UNKNOWN,
    ReportFormatError,
    section_report,
    section_vocabulary,
    sections_as_dict,
    sections_from_iu_xml,
)

VARIANTS = sorted(section_vocabulary().headers.items())


def _mimic(header: str, body: str) -> str:
    return f"                                 FINAL REPORT\n EXAMINATION:  CHEST (PA AND LAT)\n \n {header}:  {body}\n"


@pytest.mark.parametrize(("spelling", "canonical"), VARIANTS)
def test_every_header_spelling_in_caps_layout(spelling: str, canonical: str) -> None:
    text = _mimic(spelling.upper(), "Lungs are clear of any change.")
    sections = section_report(text)
    match = [s for s in sections if s.text == "Lungs are clear of any change."]
    assert len(match) == 1
    assert match[0].name == canonical
    assert match[0].tier == TIER_HEADER
    assert text[match[0].start : match[0].end] == match[0].text


@pytest.mark.parametrize(("spelling", "canonical"), VARIANTS)
def test_every_header_spelling_inline_and_lower_case(spelling: str, canonical: str) -> None:
    text = f"Heart is normal.  {spelling}: small left effusion."
    found = {s.name: s.text for s in section_report(text)}
    assert found[canonical] == "small left effusion."


@pytest.mark.parametrize("keyword", section_vocabulary().findings_keywords)
def test_every_projection_keyword_opens_findings(keyword: str) -> None:
    """Unlisted ALL-CAPS headers naming the projection ("PA AND LAT CHEST:") hold the findings (MIT-LCP rule)."""
    text = _mimic(f"VIEWS {keyword.upper()} TODAY", "Small left effusion.")
    found = [s for s in section_report(text) if s.text == "Small left effusion."]
    assert [(s.name, s.tier) for s in found] == [("findings", TIER_KEYWORD)]


def test_ndication_typo_means_indication_not_impression() -> None:
    """MIT-LCP maps `ndication` to impression; it is a clipped INDICATION header."""
    sections = sections_as_dict(section_report(_mimic("NDICATION", "Cough.") + " IMPRESSION:  No acute process.\n"))
    assert sections["indication"] == "Cough."
    assert sections["impression"] == "No acute process."


def test_header_without_leading_newline_space_is_found() -> None:
    """MIT-LCP's regex needs "\\n " before a header; the first line of a file has none."""
    sections = sections_as_dict(section_report("FINDINGS: Lungs clear.\nIMPRESSION: Normal chest."))
    assert sections == {"findings": "Lungs clear.", "impression": "Normal chest."}


def test_unlisted_caps_headers_are_kept_not_swallowed() -> None:
    """Studies with custom headers (MIT-LCP hand-fixes 54 of them and then drops them) keep every section."""
    text = _mimic("PA AND LATERAL CHEST", "Small right effusion.") + " PROVIDER COMMENTS:  Called to Dr. ___.\n"
    sections = section_report(text)
    by_name = {s.name: s for s in sections}
    assert by_name["findings"].tier == TIER_KEYWORD
    assert by_name["findings"].text == "Small right effusion."
    assert by_name["provider_comments"].tier == TIER_UNKNOWN
    assert by_name["provider_comments"].text == "Called to Dr. ___."


def test_last_paragraph_fallback_is_marked_as_such() -> None:
    text = _mimic("INDICATION", "Fever.") + " \n Stable small left pleural effusion.\n"
    sections = section_report(text)
    assert sections_as_dict(sections)["indication"] == "Fever."
    fallback = [s for s in sections if s.tier == TIER_LAST_PARAGRAPH]
    assert len(fallback) == 1
    assert fallback[0].name == "impression"
    assert fallback[0].text == "Stable small left pleural effusion."
    assert text[fallback[0].start : fallback[0].end] == fallback[0].text


def test_no_fallback_into_an_indication() -> None:
    sections = section_report(_mimic("INDICATION", "Fever, evaluate for pneumonia."))
    assert not [s for s in sections if s.tier == TIER_LAST_PARAGRAPH]


def test_times_and_ratios_are_not_headers() -> None:
    sections = section_report("FINDINGS: Film taken at 7:34 p.m. Ratio 1:2 noted.")
    assert [s.name for s in sections] == ["findings"]


def test_header_glued_to_a_numbered_list() -> None:
    sections = sections_as_dict(section_report("FINDINGS: Lungs clear.\nIMPRESSION:1. No acute process."))
    assert sections["impression"] == "1. No acute process."


def test_preamble_is_kept() -> None:
    sections = section_report(_mimic("IMPRESSION", "Normal."))
    assert sections[0].name == "preamble"
    assert sections[0].text == "FINAL REPORT"


def test_real_nih_excerpts(realdata) -> None:
    text = (realdata / "reports" / "00000086.txt").read_text()
    sections = sections_as_dict(section_report(text))
    assert sections["impression"].startswith("stable chest.")
    assert sections["findings"].startswith("pa and lat cxr at 7:34 p.m..")
    text = (realdata / "reports" / "00019248.txt").read_text()
    assert "mild cardiomegaly." in sections_as_dict(section_report(text))["findings"]


def test_real_iu_xml_sections(realdata) -> None:
    with tarfile.open(realdata / "reports" / "NLMCXR_reports.tgz") as archive:
        data = archive.extractfile("ecgen-radiology/1000.xml").read()
    sections = sections_from_iu_xml(data, "1000.xml")
    assert [s.name for s in sections] == ["comparison", "indication", "findings", "impression"]
    assert sections[3].text.startswith("1. Increased opacity in the right upper lobe")


def test_broken_xml_names_the_file() -> None:
    with pytest.raises(ReportFormatError, match="broken.xml"):
        sections_from_iu_xml(b"<eCitation><Abstract>", "broken.xml")
