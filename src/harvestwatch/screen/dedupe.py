"""Duplicate records across imports: DOI, PMID, then normalised title + year.

Keys are compared in that order, as reference managers and systematic-review tools do
(Covidence, ASReview, EndNote): an identifier match is certain, a title match is strong when
the years agree and weaker when one record lacks its year. Different years, or two different
DOIs, never match on the title: a wrong merge would hide a record from screening.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

KEYS = ("doi", "pmid", "title_year", "title")
KEY_LABELS = {"doi": "same DOI", "pmid": "same PMID", "title_year": "same title and year",
              "title": "same title (a year missing)", "id": "same record id in one import"}

_DOI = re.compile(r"10\.\d{4,9}/\S+", re.I)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_PMID = re.compile(r"^(?:pmid:?\s*)?0*(\d{1,9})$", re.I)


def norm_doi(value: str | None) -> str:
    """A DOI in lower case without resolver prefix or trailing punctuation ('' if none)."""
    m = _DOI.search(_DOI_PREFIX.sub("", (value or "").strip()))
    return m.group().rstrip(".,;)]").lower() if m else ""


def norm_pmid(value: str | None) -> str:
    m = _PMID.match((value or "").strip())
    return str(int(m.group(1))) if m else ""


def norm_title(title: str | None) -> str:
    """Case-, accent-, punctuation- and width-folded title; CJK characters kept as they are.

    A trailing period, HTML tags, bracketed translated-title markers and spacing differences
    between exports do not matter; words do.
    """
    text = unicodedata.normalize("NFKC", title or "")
    text = re.sub(r"<[^>]+>", " ", text)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    words = re.findall(r"\w+", text.casefold())
    return " ".join(words)


def title_key(title: str | None) -> str:
    """Digest of the normalised title ('' for titles too short to identify a paper)."""
    norm = norm_title(title)
    if len(norm.replace(" ", "")) < 12:  # "Editorial", "Reply", "Erratum" identify nothing
        return ""
    return hashlib.sha1(norm.encode()).hexdigest()


@dataclass(frozen=True)
class Keys:
    doi: str
    pmid: str
    title: str
    year: int | None


def keys_of(record: dict) -> Keys:
    """Keys of a stored record dict (Record.to_dict())."""
    extra = record.get("extra") or {}
    return Keys(doi=norm_doi(record.get("doi")), pmid=norm_pmid(str(extra.get("pmid") or "")),
                title=title_key(record.get("title")), year=record.get("year"))


@dataclass(frozen=True)
class Match:
    target: int  # the record kept (store primary key or list position)
    key: str  # one of KEYS


class KeyIndex:
    """Kept records by key; ``match`` finds the one a new record duplicates."""

    def __init__(self) -> None:
        self.doi: dict[str, int] = {}
        self.pmid: dict[str, int] = {}
        self.title: dict[str, list[tuple[int | None, str, int]]] = {}

    def add(self, target: int, k: Keys) -> None:
        if k.doi:
            self.doi.setdefault(k.doi, target)
        if k.pmid:
            self.pmid.setdefault(k.pmid, target)
        if k.title:
            self.title.setdefault(k.title, []).append((k.year, k.doi, target))

    def match(self, k: Keys) -> Match | None:
        if k.doi and k.doi in self.doi:
            return Match(self.doi[k.doi], "doi")
        if k.pmid and k.pmid in self.pmid:
            return Match(self.pmid[k.pmid], "pmid")
        weak = None
        for year, doi, target in self.title.get(k.title, ()) if k.title else ():
            if doi and k.doi and doi != k.doi:
                continue
            if year is not None and k.year is not None:
                if year == k.year:
                    return Match(target, "title_year")
            elif weak is None:
                weak = Match(target, "title")
        return weak
