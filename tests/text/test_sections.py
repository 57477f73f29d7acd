"""Sectioner: every header spelling in the data file, MIMIC / inline / IU XML layouts, MIT-LCP parser defects."""

from __future__ import annotations

import re
import tarfile
from pathlib import Path

import pytest

from mgll_data.text.sections import (
    TIER_HEADER,
    TIER_KEYWORD,
    TIER_LAST_PARAGRAPH,
    TIER_SIGNOFF,
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


# A report written for these tests in the MIMIC-CXR free-text style: title line, ALL-CAPS headers after "\n ",
# blank lines holding one space, line-wrapped sentences.
MIMIC_STYLE = "\n".join(
    [
        "                                 FINAL REPORT",
        " EXAMINATION:  CHEST (PA AND LAT)",
        " ",
        " INDICATION:  ___ year old man with productive cough and fever for three days, evaluate",
        " for pneumonia.",
        " ",
        " TECHNIQUE:  Chest PA and lateral",
        " ",
        " COMPARISON:  ___",
        " ",
        " FINDINGS: ",
        " ",
        " The heart size is normal.  There is a new patchy opacity in the right lower lobe.  No",
        " pleural effusion or pneumothorax.",
        " ",
        " IMPRESSION: ",
        " ",
        " Right lower lobe pneumonia.",
        "",
    ]
)


def _tidy(text: str) -> str:
    return " ".join(text.split())


def _mit_lcp_sections(text: str, patterns: Path) -> dict[str, str]:
    """What MIT-LCP's section_parser gives, from its published header regex and name tables (our re-statement):
    a preamble, then one section per match, or the whole text as "full report" when nothing matches."""
    rows = [line.split("\t") for line in patterns.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    regex = next(r[2] for r in rows if r[0] == "section_header_regex")
    names = {r[1]: r[2] for r in rows if r[0] == "frequent_sections"}
    findings_like = [r[1] for r in rows if r[0] == "p_findings"]
    matches = list(re.finditer(regex, text, re.DOTALL))
    if not matches:
        return {"full report": _tidy(text)}
    out = {"preamble": _tidy(text[: matches[0].start(1)])}
    for i, match in enumerate(matches):
        name = match.group(1).lower()
        name = names.get(name, "findings" if any(k in name for k in findings_like) else name)
        stop = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        out[name] = _tidy(text[match.end() : stop])
    return out


@pytest.fixture(scope="module")
def mit_patterns(realdata: Path) -> Path:
    return realdata.parent / "reference" / "tables" / "mimic_section_parser_patterns.tsv"


def test_matches_mit_lcp_on_a_mimic_style_report(mit_patterns: Path) -> None:
    theirs = _mit_lcp_sections(MIMIC_STYLE, mit_patterns)
    ours = {name: _tidy(body) for name, body in sections_as_dict(section_report(MIMIC_STYLE)).items()}
    assert list(theirs) == ["preamble", "examination", "indication", "technique", "comparison", "findings",
                            "impression"]  # fmt: skip
    assert ours == theirs


def test_whitespace_collapsed_report_keeps_its_sections_where_mit_lcp_has_one_full_report(mit_patterns) -> None:
    collapsed = _tidy(MIMIC_STYLE)
    assert list(_mit_lcp_sections(collapsed, mit_patterns)) == ["full report"]
    expected = {name: _tidy(body) for name, body in sections_as_dict(section_report(MIMIC_STYLE)).items()}
    assert sections_as_dict(section_report(collapsed)) == expected


@pytest.mark.parametrize("layout", ["lines", "collapsed"])
def test_the_final_report_title_is_not_part_of_the_first_header(layout: str) -> None:
    text = "FINAL REPORT\n HISTORY:  Chest pain.\n \n FINDINGS:  Lungs are clear.\n \n IMPRESSION:  Normal.\n"
    text = _tidy(text) if layout == "collapsed" else text.replace("FINAL REPORT\n ", "FINAL REPORT ")
    sections = section_report(text)
    assert [(s.name, s.text) for s in sections] == [
        ("preamble", "FINAL REPORT"),
        ("history", "Chest pain."),
        ("findings", "Lungs are clear."),
        ("impression", "Normal."),
    ]
    assert all(text[s.start : s.end] == s.text for s in sections)


def test_collapsed_report_without_findings_header_keeps_findings_out_of_the_indication() -> None:
    text = (
        "FINAL REPORT INDICATION: ___M with cough. Evaluate for pneumonia. "
        "Lungs are clear. No pleural effusion. Heart size is normal."
    )
    sections = section_report(text)
    by_name = sections_as_dict(sections)
    assert by_name["indication"] == "___M with cough. Evaluate for pneumonia."
    impression = next(s for s in sections if s.name == "impression")
    assert impression.tier == TIER_LAST_PARAGRAPH
    assert impression.text == "Lungs are clear. No pleural effusion. Heart size is normal."


def test_a_multi_line_indication_is_not_cut() -> None:
    """The request cut applies only to collapsed text: a line-wrapped indication keeps all its sentences."""
    text = _mimic("INDICATION", "Cough. Fever for three days.") + " \n FINDINGS:  Lungs are clear.\n"
    assert sections_as_dict(section_report(text))["indication"] == "Cough. Fever for three days."


@pytest.mark.parametrize(
    "tail",
    ["\n \n DR. ___ ___ dictating\n", " Dr. ___ dictating.", "\n \n Electronically signed by: ___, MD\n"],
)
def test_signoff_sentences_are_not_in_the_impression(tail: str) -> None:
    text = _mimic("IMPRESSION", "No acute cardiopulmonary process.").rstrip("\n") + tail
    sections = section_report(text)
    by_name = sections_as_dict(sections)
    assert by_name["impression"] == "No acute cardiopulmonary process."
    signoff = next(s for s in sections if s.name == "signoff")
    assert signoff.tier == TIER_SIGNOFF
    assert text[signoff.start : signoff.end] == signoff.text
    assert _tidy(signoff.text) == _tidy(tail)


def test_a_result_sentence_naming_a_signoff_word_mid_section_stays() -> None:
    text = "IMPRESSION: Dictating physician notified. Small left effusion."
    assert sections_as_dict(section_report(text))["impression"] == text.split(": ", 1)[1]


def test_fallback_skips_a_trailing_signoff() -> None:
    text = _mimic("INDICATION", "Fever.") + " \n Stable small left pleural effusion.\n \n DR. ___ dictating\n"
    sections = section_report(text)
    fallback = [s for s in sections if s.tier == TIER_LAST_PARAGRAPH]
    assert [s.text for s in fallback] == ["Stable small left pleural effusion."]


def test_an_inline_header_match_starts_where_its_run_of_spaces_starts() -> None:
    """The inline header is tried once per run of spaces, not from every space inside it: MIMIC pads its lines
    with long runs, and retrying the 70-spelling alternation from each one cost 1 ms a report. The headers
    found are unchanged (the header can only begin where the run ends)."""
    pattern = section_vocabulary().inline_header
    text = "Heart size normal" + " " * 40 + "impression: no effusion."
    assert pattern.match(text, 20) is None  # from inside the run: no attempt
    found = pattern.search(text)
    assert found is not None and found.start() == len("Heart size normal") and found.group("h") == "impression"
    assert sections_as_dict(section_report(text))["impression"] == "no effusion."
