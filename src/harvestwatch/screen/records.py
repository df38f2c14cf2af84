"""Bibliographic records and their importers: RIS, PubMed/MEDLINE XML and CSV."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from harvestwatch.core.errors import UnsupportedFormat, ValidationError

FIELDS = ("id", "title", "abstract", "authors", "journal", "year", "doi", "language", "affiliations")


@dataclass
class Record:
    id: str
    title: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    journal: str = ""
    year: int | None = None
    doi: str = ""
    language: str = ""
    extra: dict = field(default_factory=dict)
    fulltext: str = ""
    affiliations: list[str] = field(default_factory=list)  # the authors' addresses, one per entry

    @property
    def text(self) -> str:
        """Title, abstract and full text joined; evidence offsets refer to this text."""
        return record_text(self.title, self.abstract, self.fulltext)

    @property
    def facts(self) -> Facts:
        return facts_of(self.to_dict(), fulltext=bool(self.fulltext))

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "abstract": self.abstract,
                "authors": self.authors, "journal": self.journal, "year": self.year,
                "doi": self.doi, "language": self.language, "affiliations": self.affiliations,
                "extra": self.extra}


@dataclass(frozen=True)
class Facts:
    """What the rules know of a record besides its text: the metadata that places it, and
    whether the text goes beyond the title and abstract."""

    affiliations: tuple[str, ...] = ()
    language: str = ""
    journal: str = ""
    lead: int | None = None  # length of the title + abstract at the start of the text (None: all of it)
    title: int | None = None  # length of the title at the start of the text (None: not known)
    fulltext: bool = False  # a full text or a methods section follows the abstract


# Import columns and RIS tags that hold authors' addresses, for records stored before
# ``affiliations`` was read (RIS AD, Web of Science C1, a CSV column of another name).
_AFFILIATION_KEYS = ("AD", "C1", "affiliations", "affiliation", "author affiliations", "addresses",
                     "authors with affiliations")


def affiliations_of(data: dict) -> list[str]:
    """A stored record's affiliations: the field, else the RIS tags or CSV columns kept in extra."""
    if data.get("affiliations"):
        return list(data["affiliations"])
    extra = data.get("extra") or {}
    out: list[str] = []
    for key, value in extra.items():
        if key.strip().casefold() in {k.casefold() for k in _AFFILIATION_KEYS}:
            out += _split_affiliations(value)
    return out


def _split_affiliations(value) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [a.strip() for v in values for a in re.split(r"\s*;\s*|\n", str(v or "")) if a.strip()]


def facts_of(data: dict, *, fulltext: bool = False) -> Facts:
    """The ``Facts`` of a stored record dict (``Record.to_dict``) screened with or without more
    than its title and abstract."""
    lead = len(record_text(data.get("title"), data.get("abstract"))) if fulltext else None
    return Facts(tuple(affiliations_of(data)), str(data.get("language") or ""), str(data.get("journal") or ""),
                 lead, len(data.get("title") or ""), fulltext)


def _year(value: str) -> int | None:
    m = re.search(r"(19|20)\d\d", value or "")
    return int(m.group()) if m else None


def record_text(title: str | None, abstract: str | None, fulltext: str | None = "") -> str:
    """The text the rules read, from a record's parts (also for stored record dicts)."""
    return "\n".join(p for p in (title, abstract, fulltext) if p)


RIS_TAGS = {"TI": "title", "T1": "title", "AB": "abstract", "N2": "abstract", "AU": "authors",
            "A1": "authors", "JO": "journal", "JF": "journal", "T2": "journal", "PY": "year",
            "Y1": "year", "DO": "doi", "LA": "language", "ID": "id", "AN": "id", "AD": "affiliations",
            "C1": "affiliations"}
_RIS_LINE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")


def read_ris(text: str, source: str) -> list[Record]:
    records, cur, last = [], None, None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r\ufeff").lstrip("\ufeff")
        m = _RIS_LINE.match(line)
        if not m:
            if cur is not None and last and line.strip():  # continuation line
                if last == "affiliations":
                    cur[last][-1] += " " + line.strip()
                elif last != "authors":
                    cur[last] = cur.get(last, "") + " " + line.strip()
            continue
        tag, value = m.group(1), (m.group(2) or "").strip()
        if tag == "TY":
            cur, last = {"authors": [], "extra": {"TY": value}}, None
        elif tag == "ER":
            if cur is None:
                raise ValidationError(f"{source} line {n}", "ER without a TY record start")
            _ris_pmid(cur)
            records.append(_record(cur, f"{Path(source).name}#{len(records) + 1}"))
            cur, last = None, None
        elif cur is not None:
            key = RIS_TAGS.get(tag)
            last = key
            if tag == "AN":
                cur["extra"]["AN"] = [value]
            if key in ("authors", "affiliations"):
                cur.setdefault(key, []).append(value)
            elif key == "abstract" and key in cur:
                cur[key] += " " + value
            elif key == "id" or (key and key not in cur):  # TI and T1, JO and JF: the first one
                cur[key] = value
            elif key:
                last = None  # a second title tag: its continuation lines are not the title's
            else:
                cur["extra"].setdefault(tag, []).append(value)
    if cur is not None:
        raise ValidationError(source, "last RIS record has no ER line (file cut short?)")
    return records


def _ris_pmid(d: dict) -> None:
    """PubMed exports put the PMID in AN (with DP/DB naming NLM or PubMed); keep it as extra.pmid."""
    extra = d["extra"]
    db = " ".join(extra.get("DP", []) + extra.get("DB", []) + extra.get("UR", [])).lower()
    accession = extra.get("AN", [""])[0]
    if accession.isdigit() and any(w in db for w in ("nlm", "pubmed", "medline")):
        extra["pmid"] = accession


def _record(d: dict, where: str) -> Record:
    """A Record; without ID/AN or DOI its id is the file name and record number."""
    rid = (d.get("id") or d.get("doi") or "").strip() or where
    return Record(id=rid, title=d.get("title", ""), abstract=d.get("abstract", ""),
                  authors=d.get("authors", []), journal=d.get("journal", ""),
                  year=_year(str(d.get("year", ""))), doi=d.get("doi", ""),
                  language=d.get("language", ""), extra=d.get("extra", {}),
                  affiliations=[a for v in d.get("affiliations", []) for a in _split_affiliations(v)])


def read_pubmed(data: bytes, source: str) -> list[Record]:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ValidationError(source, f"not well-formed XML ({exc})") from None
    out = []
    for i, art in enumerate(root.iter("PubmedArticle"), 1):
        pmid = art.findtext(".//MedlineCitation/PMID") or ""
        if not pmid:
            raise ValidationError(f"{source} article {i}", "no PMID")
        parts = []
        for ab in art.iterfind(".//Abstract/AbstractText"):
            label = ab.get("Label")
            body = "".join(ab.itertext()).strip()
            parts.append(f"{label}: {body}" if label else body)
        authors, affiliations = [], []
        for au in art.iterfind(".//AuthorList/Author"):
            name = " ".join(x for x in (au.findtext("ForeName"), au.findtext("LastName")) if x)
            authors.append(name or (au.findtext("CollectiveName") or ""))
            affiliations += ["".join(a.itertext()).strip() for a in au.iterfind("AffiliationInfo/Affiliation")]
        year = art.findtext(".//JournalIssue/PubDate/Year") or art.findtext(".//JournalIssue/PubDate/MedlineDate") or ""
        doi = next((e.text for e in art.iterfind(".//ArticleIdList/ArticleId") if e.get("IdType") == "doi"), "") \
            or next((e.text for e in art.iterfind(".//ELocationID") if e.get("EIdType") == "doi"), "")
        title = "".join(art.find(".//ArticleTitle").itertext()) if art.find(".//ArticleTitle") is not None else ""
        out.append(Record(id=f"PMID:{pmid}", title=title.strip(), abstract="\n".join(parts),
                          authors=authors, journal=art.findtext(".//Journal/Title") or "",
                          year=_year(year), doi=doi or "", language=art.findtext(".//Language") or "",
                          extra={"pmid": pmid}, affiliations=list(dict.fromkeys(a for a in affiliations if a))))
    if not out:
        raise ValidationError(source, "no PubmedArticle elements (is this PubMed XML?)")
    return out


CSV_ALIASES = {  # column names of common exports (Embase, Scopus, Web of Science, Zotero), folded
    "id": ("id", "record_id", "record id", "key"),
    "title": ("title", "article title", "document title", "ti"),
    "abstract": ("abstract", "ab"),
    "authors": ("authors", "author", "author names", "au"),
    "journal": ("journal", "source title", "source", "publication title", "so"),
    "year": ("year", "publication year", "py", "pubyear"),
    "doi": ("doi", "di"),
    "language": ("language", "language of original document", "la"),
    "pmid": ("pmid", "pubmed id", "pm"),
    "affiliations": ("affiliations", "affiliation", "author affiliations", "addresses", "c1", "ad"),
}


def read_csv(text: str, source: str) -> list[Record]:
    """Records of a CSV with a title or abstract column; ids from 'id', else DOI, PMID or row."""
    reader = csv.DictReader(io.StringIO(text))
    cols = [c for c in (reader.fieldnames or []) if c]
    folded = {c.strip().casefold(): c for c in cols}
    col = {f: next((folded[a] for a in names if a in folded), None) for f, names in CSV_ALIASES.items()}
    if not (col["title"] or col["abstract"]):
        raise ValidationError(source, "CSV needs a 'title' or 'abstract' column")
    used = {c for c in col.values() if c}
    stem = Path(source).name
    out = []
    for n, row in enumerate(reader, 2):
        def get(f: str, row=row) -> str:
            return (row.get(col[f]) or "").strip() if col[f] else ""
        rid, doi, pmid = get("id"), get("doi"), get("pmid")
        if col["id"] and not rid:
            raise ValidationError(f"{source} row {n}", f"column {col['id']!r} is empty")
        rid = rid or (f"PMID:{pmid}" if pmid else "") or doi or f"{stem}#{n}"
        extra = {k: v for k, v in row.items() if k and k not in used and v}
        if pmid:
            extra["pmid"] = pmid
        out.append(Record(id=rid, title=get("title"), abstract=get("abstract"),
                          authors=[a.strip() for a in re.split(r";|\|", get("authors")) if a.strip()],
                          journal=get("journal"), year=_year(get("year") or get("journal")),
                          doi=doi, language=get("language"), extra=extra,
                          affiliations=_split_affiliations(get("affiliations"))))
    return out


def read_records(path: str | Path) -> list[Record]:
    """Records of one file, by content (RIS 'TY  -', XML) then extension."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(str(path), f"cannot read ({exc.strerror})") from None
    head = data[:2000].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<"):
        return read_pubmed(data, str(path))
    text = data.decode("utf-8-sig", errors="strict") if _utf8(data) else data.decode("gb18030")
    if re.search(r"^TY  -", text, re.M):
        return read_ris(text, str(path))
    if path.suffix.lower() in (".csv", ".tsv") or text.split("\n", 1)[0].count(",") >= 1:
        return read_csv(text, str(path))
    raise UnsupportedFormat(str(path), "not RIS, PubMed XML or CSV")


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False
