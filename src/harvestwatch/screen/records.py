"""Bibliographic records and their importers: RIS, PubMed/MEDLINE XML and CSV."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from harvestwatch.core.errors import UnsupportedFormat, ValidationError

FIELDS = ("id", "title", "abstract", "authors", "journal", "year", "doi", "language")


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

    @property
    def text(self) -> str:
        """Title, abstract and full text joined; evidence offsets refer to this text."""
        return record_text(self.title, self.abstract, self.fulltext)

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "abstract": self.abstract,
                "authors": self.authors, "journal": self.journal, "year": self.year,
                "doi": self.doi, "language": self.language, "extra": self.extra}


def _year(value: str) -> int | None:
    m = re.search(r"(19|20)\d\d", value or "")
    return int(m.group()) if m else None


def record_text(title: str | None, abstract: str | None, fulltext: str | None = "") -> str:
    """The text the rules read, from a record's parts (also for stored record dicts)."""
    return "\n".join(p for p in (title, abstract, fulltext) if p)


RIS_TAGS = {"TI": "title", "T1": "title", "AB": "abstract", "N2": "abstract", "AU": "authors",
            "A1": "authors", "JO": "journal", "JF": "journal", "T2": "journal", "PY": "year",
            "Y1": "year", "DO": "doi", "LA": "language", "ID": "id", "AN": "id"}
_RIS_LINE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")


def read_ris(text: str, source: str) -> list[Record]:
    records, cur, last = [], None, None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r\ufeff").lstrip("\ufeff")
        m = _RIS_LINE.match(line)
        if not m:
            if cur is not None and last and line.strip():  # continuation line
                cur[last] = (cur.get(last, "") + " " + line.strip()) if last != "authors" else cur[last]
            continue
        tag, value = m.group(1), (m.group(2) or "").strip()
        if tag == "TY":
            cur, last = {"authors": [], "extra": {"TY": value}}, None
        elif tag == "ER":
            if cur is None:
                raise ValidationError(f"{source} line {n}", "ER without a TY record start")
            records.append(_record(cur, f"{source} record {len(records) + 1}"))
            cur, last = None, None
        elif cur is not None:
            key = RIS_TAGS.get(tag)
            if key == "authors":
                cur["authors"].append(value)
            elif key:
                cur[key] = value if key not in cur or key == "id" else cur[key] + " " + value
            else:
                cur["extra"].setdefault(tag, []).append(value)
            last = key
    if cur is not None:
        raise ValidationError(source, "last RIS record has no ER line (file cut short?)")
    return records


def _record(d: dict, where: str) -> Record:
    rid = (d.get("id") or d.get("doi") or "").strip()
    if not rid:
        raise ValidationError(where, "record has neither an id (ID/AN) nor a DOI")
    return Record(id=rid, title=d.get("title", ""), abstract=d.get("abstract", ""),
                  authors=d.get("authors", []), journal=d.get("journal", ""),
                  year=_year(str(d.get("year", ""))), doi=d.get("doi", ""),
                  language=d.get("language", ""), extra=d.get("extra", {}))


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
        authors = []
        for au in art.iterfind(".//AuthorList/Author"):
            name = " ".join(x for x in (au.findtext("ForeName"), au.findtext("LastName")) if x)
            authors.append(name or (au.findtext("CollectiveName") or ""))
        year = art.findtext(".//JournalIssue/PubDate/Year") or art.findtext(".//JournalIssue/PubDate/MedlineDate") or ""
        doi = next((e.text for e in art.iterfind(".//ArticleIdList/ArticleId") if e.get("IdType") == "doi"), "") \
            or next((e.text for e in art.iterfind(".//ELocationID") if e.get("EIdType") == "doi"), "")
        title = "".join(art.find(".//ArticleTitle").itertext()) if art.find(".//ArticleTitle") is not None else ""
        out.append(Record(id=f"PMID:{pmid}", title=title.strip(), abstract="\n".join(parts),
                          authors=authors, journal=art.findtext(".//Journal/Title") or "",
                          year=_year(year), doi=doi or "", language=art.findtext(".//Language") or "",
                          extra={"pmid": pmid}))
    if not out:
        raise ValidationError(source, "no PubmedArticle elements (is this PubMed XML?)")
    return out


def read_csv(text: str, source: str) -> list[Record]:
    reader = csv.DictReader(io.StringIO(text))
    cols = reader.fieldnames or []
    if "id" not in cols or not ({"title", "abstract"} & set(cols)):
        raise ValidationError(source, "CSV needs an 'id' column and a 'title' or 'abstract' column")
    out = []
    for n, row in enumerate(reader, 2):
        if not (row.get("id") or "").strip():
            raise ValidationError(f"{source} row {n}", "column 'id' is empty")
        out.append(Record(id=row["id"].strip(), title=row.get("title") or "", abstract=row.get("abstract") or "",
                          authors=[a.strip() for a in re.split(r";|\|", row.get("authors") or "") if a.strip()],
                          journal=row.get("journal") or "", year=_year(row.get("year") or ""),
                          doi=row.get("doi") or "", language=row.get("language") or "",
                          extra={k: v for k, v in row.items() if k not in FIELDS and k}))
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
