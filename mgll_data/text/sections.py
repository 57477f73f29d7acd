"""Split a radiology report into named sections, keeping character offsets into the text given.

Three layouts occur in the sources: MIMIC-CXR free text ("FINAL REPORT" preamble, then ALL-CAPS `NAME:` lines),
inline text ("findings: ... impression: ..." in NIH excerpts and user CSVs) and IU X-ray XML (`AbstractText`
elements with a `Label`). MIMIC text is also met whitespace-collapsed (one line, as CSV exports store it):
listed headers in capitals are found anywhere, the "FINAL REPORT" title is split off the first header, and a
request section without a blank line after it keeps only its request sentences. Sign-off sentences
("DR. ___ dictating") are cut from the end of a section into `signoff`. Header spellings, titles, cues and
sign-off phrases live in `data/sections.yaml`.

Differences from the MIT-LCP `section_parser` (see the reference notes): `ndication` means indication; a header
need not follow a newline plus space; an unknown ALL-CAPS header is kept under its own name instead of being
swallowed by the previous section; every report yields its sections (no per-study special cases that drop a
study); the last-paragraph fallback is marked by its tier, never passed off as a real impression.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from mgll_data.data_files import load_data_yaml
from mgll_data.errors import MgllError
from mgll_data.text.sentences import sentence_spans

TIER_HEADER = "header"  # a header spelling listed in the data file
TIER_KEYWORD = "header_keyword"  # an unlisted ALL-CAPS header naming the projection: findings
TIER_UNKNOWN = "header_unknown"  # an unlisted ALL-CAPS header, kept under its own name
TIER_PREAMBLE = "preamble"  # text before the first header
TIER_LAST_PARAGRAPH = "last_paragraph"  # fallback: no findings / impression header at all
TIER_XML = "xml_label"  # an IU X-ray AbstractText element
TIER_UNLABELLED = "unlabelled"  # text after the blank line that ends an indication, comparison, ...
TIER_SIGNOFF = "signoff"  # closing sentences that sign the report
UNLABELLED = "unlabelled"


class ReportFormatError(MgllError):
    """A report file that cannot be read as the expected layout (names the file)."""


@dataclass(frozen=True)
class Section:
    """One section: canonical `name`, its body `text`, offsets of the body in the source text, how it was found."""

    name: str
    text: str
    start: int
    end: int
    tier: str
    header: str | None = None


@dataclass(frozen=True)
class SectionVocabulary:
    """The contents of `data/sections.yaml`, compiled."""

    canonical: tuple[str, ...]
    headers: dict[str, str]
    findings_keywords: tuple[str, ...]
    non_result: frozenset[str]
    placeholders: frozenset[str]
    titles: tuple[str, ...]
    request_cues: tuple[str, ...]
    signoff: re.Pattern[str]
    line_header: re.Pattern[str]
    inline_header: re.Pattern[str]
    caps_header: re.Pattern[str]


_SPACES = re.compile(r"\s+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r]*\n")


def header_key(raw: str) -> str:
    """Lookup key of a header spelling: lower case, single spaces, no trailing colon."""
    return _SPACES.sub(" ", raw.strip().rstrip(":")).strip().lower()


@lru_cache(maxsize=1)
def section_vocabulary() -> SectionVocabulary:
    """Load and compile the section data file once per process."""
    path = resources.files("mgll_data.text") / "data" / "sections.yaml"
    data = load_data_yaml(path.read_text(encoding="utf-8"))
    canonical = tuple(data["canonical"])
    headers = {header_key(str(k)): str(v) for k, v in data["headers"].items()}
    unknown = sorted({v for v in headers.values() if v not in canonical})
    if unknown:
        raise MgllError(f"{path}: header targets {unknown} are not in `canonical`")
    # Longest spellings first so "findings and impression" wins over "findings".
    spellings = sorted(headers, key=len, reverse=True)
    alternation = "|".join(re.escape(s).replace(r"\ ", r"\s+") for s in spellings)
    line_header = re.compile(r"(?m)^[ \t]*(?P<h>[A-Za-z][A-Za-z ()/,&'-]{0,48}?)[ \t]*:")
    inline_header = re.compile(rf"(?i)(?:(?<=[.;])[ \t]+|(?<![ \t])[ \t]{{2,}})(?P<h>{alternation})[ \t]*:(?!\d)")
    caps = "|".join(re.escape(s.upper()).replace(r"\ ", r"\s+") for s in spellings)
    caps_header = re.compile(rf"(?:^|(?<=\s))(?P<h>{caps})[ \t]*:(?!\d)")
    signoff = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in data["signoff_phrases"])
    return SectionVocabulary(
        canonical=canonical,
        headers=headers,
        findings_keywords=tuple(data["findings_header_keywords"]),
        non_result=frozenset(data["non_result_sections"]),
        placeholders=frozenset(header_key(p) for p in data["placeholders"]),
        titles=tuple(header_key(t) for t in data["report_titles"]),
        request_cues=tuple(str(c).lower() for c in data["request_cues"]),
        signoff=re.compile(rf"(?i)(?<!\w)(?:{signoff})(?!\w)"),
        line_header=line_header,
        inline_header=inline_header,
        caps_header=caps_header,
    )


def _resolve(raw: str, vocab: SectionVocabulary) -> tuple[str, str] | None:
    """Canonical name and tier of a header candidate, or None when it is ordinary text."""
    key = header_key(raw)
    if key in vocab.headers:
        return vocab.headers[key], TIER_HEADER
    letters = [c for c in raw if c.isalpha()]
    if len(letters) < 2 or raw != raw.upper():
        return None
    if any(word in key for word in vocab.findings_keywords):
        return "findings", TIER_KEYWORD
    return key.replace(" ", "_"), TIER_UNKNOWN


def _body(text: str, start: int, end: int) -> tuple[str, int, int]:
    """Strip a span's surrounding whitespace, keeping the offsets exact."""
    chunk = text[start:end]
    left = len(chunk) - len(chunk.lstrip())
    right = len(chunk.rstrip())
    return chunk[left:right], start + left, start + max(left, right)


def _untitled(raw: str, start: int, vocab: SectionVocabulary) -> tuple[str, int]:
    """A header candidate without a leading report title ("FINAL REPORT HISTORY" -> "HISTORY"), and its start."""
    words = raw.split()
    for title in vocab.titles:
        size = len(title.split())
        if len(words) > size and header_key(" ".join(words[:size])) == title:
            rest = raw.split(None, size)[size]
            return rest, start + raw.index(rest)
    return raw, start


def section_report(text: str) -> list[Section]:
    """Sections of a free-text report in reading order (MIMIC-CXR or inline layout)."""
    vocab = section_vocabulary()
    heads: list[tuple[int, int, str, str, str]] = []  # header start, body start, name, tier, raw
    for match in vocab.line_header.finditer(text):
        raw, start = _untitled(match.group("h"), match.start("h"), vocab)
        resolved = _resolve(raw, vocab)
        if resolved:
            heads.append((start, match.end(), *resolved, raw.strip()))
    for pattern in (vocab.caps_header, vocab.inline_header):
        for match in pattern.finditer(text):
            if not any(h[0] <= match.start("h") < h[1] for h in heads):
                name, tier = _resolve(match.group("h"), vocab) or ("", "")
                heads.append((match.start("h"), match.end(), name, tier, match.group("h").strip()))
    heads.sort()
    collapsed = "\n" not in text.strip()
    has_result = any(h[2] in ("findings", "impression") for h in heads)

    sections: list[Section] = []
    first = heads[0][0] if heads else len(text)
    body, start, end = _body(text, 0, first)
    if body:
        sections.append(Section("preamble", body, start, end, TIER_PREAMBLE))
    for i, (_, body_start, name, tier, raw) in enumerate(heads):
        stop = heads[i + 1][0] if i + 1 < len(heads) else len(text)
        if name in vocab.non_result:  # "INDICATION: cough" ends at a blank line; what follows is unlabelled
            gap = _PARAGRAPH_BREAK.search(text, body_start, stop)
            if gap is not None and text[gap.end() : stop].strip():
                body, start, end = _body(text, body_start, gap.start())
                sections.append(Section(name, body, start, end, tier, raw))
                body_start, name, tier, raw = gap.end(), UNLABELLED, TIER_UNLABELLED, None
        if name in vocab.non_result and collapsed and not has_result:
            cut = _request_end(text, body_start, stop, vocab)
            if text[cut:stop].strip():
                body, start, end = _body(text, body_start, cut)
                sections.append(Section(name, body, start, end, tier, raw))
                body_start, name, tier, raw = cut, UNLABELLED, TIER_UNLABELLED, None
        body, start, end = _body(text, body_start, stop)
        sections.extend(_cut_signoff(text, Section(name, body, start, end, tier, raw), vocab))

    if not any(s.name in ("findings", "impression") for s in sections):
        fallback = _last_paragraph(text, sections, vocab)
        if fallback is not None:
            sections.append(fallback)
    return sections


def _request_end(text: str, start: int, stop: int, vocab: SectionVocabulary) -> int:
    """Where a collapsed request section (indication, history, ...) ends: after its first sentence and the
    following sentences that carry a request cue."""
    spans = [(s + start, e + start) for s, e in sentence_spans(text[start:stop]) if text[s + start : e + start].strip()]
    end = spans[0][1] if spans else stop
    for s, e in spans[1:]:
        if not any(cue in text[s:e].lower() for cue in vocab.request_cues):
            break
        end = e
    return end


def _cut_signoff(text: str, section: Section, vocab: SectionVocabulary) -> list[Section]:
    """The section without its closing sign-off sentences, followed by those as a `signoff` section."""
    cut = section.end
    for s, e in reversed(sentence_spans(section.text)):
        piece = section.text[s:e]
        if piece.strip() and not vocab.signoff.search(piece):
            break
        cut = section.start + s
    if cut >= section.end:
        return [section]
    kept, signoff = _body(text, section.start, cut), _body(text, cut, section.end)
    out = [Section(section.name, *kept, section.tier, section.header)] if kept[0] else []
    return [*out, Section("signoff", *signoff, TIER_SIGNOFF)]


def _last_paragraph(text: str, sections: list[Section], vocab: SectionVocabulary) -> Section | None:
    """The report's last paragraph as a stand-in impression, when it is unlabelled text.

    Unlabelled means: in the preamble, under an unlisted header, or after the blank line that ends a
    non-result section (MIMIC puts the result below "INDICATION: ..." without a header). A paragraph that
    is itself an addendum, recommendation or indication is never passed off as an impression.
    """
    owner = next((s for s in reversed(sections) if s.name != "signoff"), None)
    if owner is None:
        return None
    breaks = [m.end() for m in _PARAGRAPH_BREAK.finditer(text, 0, owner.end)]
    para_start = breaks[-1] if breaks else 0
    if owner.name not in ("preamble", UNLABELLED) and owner.tier != TIER_UNKNOWN:
        return None
    body, start, end = _body(text, max(para_start, owner.start), owner.end)
    if not body:
        return None
    return Section("impression", body, start, end, TIER_LAST_PARAGRAPH, owner.header)


def sections_from_iu_xml(data: bytes | str, origin: str = "<xml>") -> list[Section]:
    """Sections of one IU X-ray / Open-i report file (`ecgen-radiology/N.xml`).

    Offsets refer to each AbstractText element's own text, the unit the XML stores.
    """
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise ReportFormatError(f"{origin}: not a readable IU X-ray report XML ({error})") from None
    vocab = section_vocabulary()
    sections = []
    for element in root.iter("AbstractText"):
        label = element.get("Label")
        if label is None:
            raise ReportFormatError(f"{origin}: AbstractText without the expected Label attribute")
        key = header_key(label)
        name = vocab.headers.get(key, key.replace(" ", "_"))
        body, start, end = _body(element.text or "", 0, len(element.text or ""))
        sections.append(Section(name, body, start, end, TIER_XML, label))
    return sections


def sections_as_dict(sections: list[Section]) -> dict[str, str]:
    """Canonical name -> text, with repeated sections (e.g. two impressions) joined in order."""
    out: dict[str, str] = {}
    for section in sections:
        if section.text:
            out[section.name] = f"{out[section.name]}\n{section.text}" if section.name in out else section.text
    return out


def is_placeholder(text: str) -> bool:
    """True for a body that only says there is nothing ("NO IMPRESSION", "dictating")."""
    return header_key(text).rstrip(".") in section_vocabulary().placeholders
