"""FollowTheMoney (Aleph's and OpenSanctions' entity model) in and out.

Out: documents become Document/PlainText/HyperText/Pages (+ one Page per page) with their
sha256; entities become Person, Organization, PublicBody or Address; each mention becomes a
Documentation linking the document to the entity, and each claim (quantity, testimony, stance)
a Note on the document. Provenance is kept in FtM's own properties, in the registry's format
(``registry.ftm``): ``<document sha256>#span-<start>-<end>`` (Documentation ``recordId``; the
first ``notes`` line of a Note) with the quoted text (``summary`` / ``description``), so a
span can be checked against the document's ``bodyText``. Every value passes through
followthemoney's own cleaning.

In: JSON lines of FtM entities, checked line by line against the model (``read_entities``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from harvestwatch.core.errors import ValidationError

DATASET = "harvestwatch"
AGENT = "harvestwatch"
# Our entity labels that FtM has a schema for; victim groups, organs and laws have none and are
# exported only inside the claims that name them.
SCHEMA_OF = {"person": "Person", "organization": "Organization", "hospital": "Organization",
             "place": "Address"}
# Words that mark an organisation as a public body (ministries, courts, parliaments), EN and ZH.
_PUBLIC = re.compile(
    r"\b(ministry|ministries|government|parliament|congress|senate|commission|council|"
    r"department|bureau|court|tribunal of the|state council|national health|police|"
    r"procuratorate|people's liberation army|army|embassy|administration)\b|"
    r"(部|委员会|委員會|政府|法院|检察院|檢察院|公安|国务院|國務院|人大|议会|議會|大使馆|大使館|军|軍)",
    re.IGNORECASE)
_SPAN = re.compile(r"^([0-9a-f]{64})#span-(\d+)-(\d+)$")


@dataclass(frozen=True)
class DocumentRecord:
    """What the export needs of one stored document."""

    sha256: str
    text: str
    text_sha256: str
    file_name: str
    mime: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    url: str | None = None
    site: str | None = None
    language: str | None = None
    kind: str | None = None
    tags: tuple[str, ...] = ()
    pages: tuple[tuple[int, int], ...] = ()
    parent_sha256: str | None = None
    size: int | None = None
    ingested_at: str | None = None
    ocr_confidence: float | None = None
    sha1: str | None = None  # of the original bytes: FtM's contentHash (Aleph's archive key)


@dataclass(frozen=True)
class ItemRecord:
    """One extracted item (entity mention or claim) of a document, with its span."""

    document_sha256: str
    item_type: str
    label: str
    text: str
    start: int
    end: int
    canonical: str | None
    extractor: str
    data: dict = field(default_factory=dict)


def tight(item: ItemRecord) -> ItemRecord:
    """The item with white space cut from both ends of its span, as FtM strips values, so that
    ``bodyText[start:end]`` is exactly the quote the entity carries."""
    lead = len(item.text) - len(item.text.lstrip())
    trail = len(item.text) - len(item.text.rstrip())
    if not lead and not trail:
        return item
    from dataclasses import replace

    return replace(item, text=item.text.strip(), start=item.start + lead, end=item.end - trail)


@dataclass(frozen=True)
class ImportedEntity:
    """One FtM entity read from a file: its cleaned dict, and the line it was on."""

    id: str
    schema: str
    caption: str
    properties: dict[str, list[str]]
    datasets: tuple[str, ...]
    referents: tuple[str, ...]
    line: int

    def to_dict(self) -> dict:
        return {"id": self.id, "schema": self.schema, "caption": self.caption,
                "properties": self.properties, "datasets": list(self.datasets),
                "referents": list(self.referents)}


def span_ref(document_sha256: str, start: int, end: int) -> str:
    """The provenance reference of a span: ``<sha256>#span-<start>-<end>``."""
    return f"{document_sha256}#span-{start}-{end}"


def parse_span_ref(ref: str) -> tuple[str, int, int] | None:
    """``(sha256, start, end)`` from a ``span_ref``; None if ``ref`` is not one."""
    m = _SPAN.match(ref)
    return (m.group(1), int(m.group(2)), int(m.group(3))) if m else None


def _hid(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def document_id(sha256: str) -> str:
    return f"hw-doc-{sha256}"


def entity_id(label: str, name: str) -> str:
    """Stable across stores: the same label and name give the same id anywhere."""
    return f"hw-{label}-{_hid(label, name.casefold())[:24]}"


def registry_hospital_id(hospital_id: str) -> str:
    """The id ``registry.ftm`` gives a registry hospital, so Aleph merges both exports."""
    return f"hw-hospital-{hospital_id}"


def schema_for(label: str, name: str) -> str | None:
    """The FtM schema of an extracted entity, or None where FtM has none for it."""
    schema = SCHEMA_OF.get(label)
    if schema == "Organization" and label == "organization" and _PUBLIC.search(name):
        return "PublicBody"
    return schema


def _make(schema: str, eid: str, dataset: str = DATASET):
    from followthemoney import model

    proxy = model.make_entity(schema)
    proxy.id = eid
    return proxy


def _out(proxy, dataset: str = DATASET) -> dict:
    """The entity's dict; a value longer than its property allows (a 2,000-character title) is
    cut to fit and ends with "…", so the entity still validates."""
    data = proxy.to_dict()
    for name, values in data["properties"].items():
        limit = proxy.schema.get(name).max_length
        if any(len(v) > limit for v in values):
            data["properties"][name] = [v if len(v) <= limit else v[:limit - 1] + "…" for v in values]
    return data | {"datasets": [dataset]}


TEXT_MAX = 60_000  # characters of text per value (FtM's text type holds 65,000)


def text_pages(doc: DocumentRecord) -> tuple[tuple[int, int], ...]:
    """The (start, end) of each exported page: the document's own pages if each fits in one
    FtM value, else consecutive slices of at most ``TEXT_MAX`` characters (cut after a line)."""
    if doc.pages and all(end - start <= TEXT_MAX for start, end in doc.pages):
        return doc.pages
    if len(doc.text) <= TEXT_MAX and not doc.pages:
        return ()
    out, start = [], 0
    while start < len(doc.text):
        end = min(start + TEXT_MAX, len(doc.text))
        if end < len(doc.text):
            cut = doc.text.rfind("\n", start + TEXT_MAX // 2, end)
            end = cut + 1 if cut > 0 else end
        out.append((start, end))
        start = end
    return tuple(out)


_PACKAGES = ("application/zip", "application/x-7z-compressed", "application/x-tar",
             "application/vnd.rar", "application/gzip", "application/mbox",
             "application/vnd.ms-outlook-pst")


def _doc_schema(doc: DocumentRecord) -> str:
    if len(doc.pages) > 1 or doc.mime == "application/pdf" or len(doc.text) > TEXT_MAX:
        return "Pages"
    if doc.mime in ("text/html", "application/xhtml+xml"):
        return "HyperText"
    if doc.mime.startswith("image/"):
        return "Image"
    if doc.mime in ("message/rfc822", "application/vnd.ms-outlook"):
        return "Email"
    if doc.mime in _PACKAGES:
        return "Package"
    if doc.mime.startswith("text/"):
        return "PlainText"
    return "Document"


def document_entities(doc: DocumentRecord) -> list[dict]:
    """The document, and for a paged one a Page entity per page (text cut at page offsets)."""
    schema = _doc_schema(doc)
    d = _make(schema, document_id(doc.sha256))
    d.add("fileName", doc.file_name or doc.sha256[:12])
    d.add("contentHash", doc.sha1)
    d.add("title", doc.title)
    d.add("author", doc.author)
    d.add("publishedAt", doc.published)
    d.add("sourceUrl", doc.url)
    d.add("publisher", doc.site)
    d.add("language", doc.language)
    d.add("mimeType", doc.mime)
    d.add("fileSize", doc.size)
    d.add("retrievedAt", doc.ingested_at)
    d.add("processingAgent", AGENT)
    d.add("keywords", list(doc.tags) + ([f"kind:{doc.kind}"] if doc.kind else []))
    pages = text_pages(doc) if schema == "Pages" else ()
    if len(doc.text) <= TEXT_MAX:
        d.add("bodyText", doc.text)
        d.add("notes", f"sha256 {doc.sha256}; text sha256 {doc.text_sha256}; spans "
                       "(<sha256>#span-<start>-<end>) are character offsets into bodyText")
    else:  # too long for one FtM value: the text is in the Page entities, at these offsets
        d.add("notes", f"sha256 {doc.sha256}; text sha256 {doc.text_sha256} ({len(doc.text)} "
                       "characters, in Page entities); spans (<sha256>#span-<start>-<end>) are "
                       "character offsets into the whole text; pages start:end below")
        offsets = [f"{n}:{a}-{b}" for n, (a, b) in enumerate(pages, start=1)]
        for i in range(0, len(offsets), 2000):
            d.add("notes", "pages " + " ".join(offsets[i:i + 2000]))
    if doc.ocr_confidence is not None:
        d.add("notes", f"text read by OCR (mean word confidence {doc.ocr_confidence:.1f})")
    if doc.parent_sha256:
        d.add("parent", document_id(doc.parent_sha256))
    out = [_out(d)]
    if schema == "Pages":
        for n, (start, end) in enumerate(pages, start=1):
            page = _make("Page", f"hw-page-{doc.sha256}-{n}")
            page.add("document", d.id)
            page.add("index", n)
            page.add("bodyText", doc.text[start:end])
            page.add("detectedLanguage", doc.language)
            out.append(_out(page))
    return out


def entity_key(m: ItemRecord) -> tuple[str, str] | None:
    """(label, name) of the FtM entity a mention stands for; None where FtM has no schema."""
    name = m.canonical or m.text.strip()
    return (m.label, name) if schema_for(m.label, name) is not None else None


def entity_entities(names: dict[tuple[str, str], set[str]],
                    ids: dict[tuple[str, str], str] | None = None) -> list[dict]:
    """One FtM entity per (label, name), with the other spellings its mentions used; ``ids``
    overrides the id of some (a registry hospital keeps the registry export's id)."""
    ids = ids or {}
    groups: dict[tuple[str, str], list[tuple[str, set[str]]]] = {}
    for (label, name), texts in sorted(names.items()):  # names differing in case: one entity
        groups.setdefault((label, name.casefold()), []).append((name, texts))
    out = []
    for (label, _folded), members in sorted(groups.items()):
        members.sort(key=lambda m: (m[0].isupper(), m[0].islower(), m[0]))  # "Ministry" first
        name = members[0][0]
        texts = set().union(*(t for _, t in members)) | {n for n, _ in members}
        schema = schema_for(label, name)
        eid = next((ids[(label, n)] for n, _ in members if (label, n) in ids), None)
        e = _make(schema, eid or entity_id(label, name))
        if schema == "Address":
            e.add("full", name)
        else:
            e.add("name", name)
            e.add("alias", sorted(t for t in texts if t != name))
        if label == "hospital":
            e.add("classification", "hospital")
            e.add("sector", "health care")
        e.add("notes", f"extracted by {AGENT} as {label}")
        if eid:
            e.add("notes", f"the registry's hospital {eid} (hospitals export)")
        out.append(_out(e))
    return out


def mention_entity(m: ItemRecord, ids: dict[tuple[str, str], str] | None = None) -> dict | None:
    """A Documentation edge (document → entity) for one mention, or None without an entity."""
    key = entity_key(m)
    if key is None:
        return None
    target = (ids or {}).get(key) or entity_id(*key)
    m = tight(m)
    doc = document_id(m.document_sha256)
    link = _make("Documentation", f"hw-mention-{_hid(m.document_sha256, m.start, m.end, m.label)[:24]}")
    link.add("document", doc)
    link.add("entity", target)
    link.add("role", f"mentioned ({m.label})")
    link.add("recordId", span_ref(m.document_sha256, m.start, m.end))
    link.add("summary", m.text)
    link.add("description", f"extractor {m.extractor}")
    return _out(link)


def _number(x: float | None) -> str:
    return "" if x is None else f"{x:,.0f}" if float(x).is_integer() else f"{x:,g}"


def claim_reading(c: ItemRecord) -> str:
    """One line saying what the claim holds (who says what, or the figure as read)."""
    d = c.data or {}
    if c.item_type == "quantity":
        low, high, value = d.get("low"), d.get("high"), d.get("value")
        span = (f"{_number(low)}–{_number(high)}" if low is not None and high not in (None, low)
                else _number(value if value is not None else low))
        bits = [d.get("qualifier"), span, d.get("unit"), d.get("what") and f"({d['what']})",
                d.get("subject") and f"of {d['subject']}", d.get("time_scope") and f"in {d['time_scope']}"]
        return "quantity: " + " ".join(str(b) for b in bits if b)
    if c.item_type == "testimony":
        who = d.get("speaker") or c.canonical or "unknown speaker"
        role = f" ({d['role']})" if d.get("role") else ""
        return f"testimony by {who}{role}" + (f", {d['verb']}" if d.get("verb") else "")
    actors = d.get("actors") or ([d["actor"]] if d.get("actor") else [])
    return (f"{c.label.replace('_', ' ')}" + (f" by {', '.join(actors)}" if actors else "")
            + (f" about {d['target']}" if d.get("target") else ""))


def claim_entity(c: ItemRecord, by_name: dict[str, list[str]]) -> dict:
    """A Note on the document for one claim, naming the entities it is by or about
    (``by_name``: from ``names_index``)."""
    c = tight(c)
    doc = document_id(c.document_sha256)
    note = _make("Note", f"hw-claim-{_hid(c.document_sha256, c.item_type, c.label, c.start, c.end)[:24]}")
    reading = claim_reading(c)
    note.add("name", reading[:200])
    note.add("summary", reading)
    note.add("description", c.text)
    note.add("notes", span_ref(c.document_sha256, c.start, c.end))
    note.add("notes", f"{c.item_type} ({c.label}); extractor {c.extractor}")
    note.add("keywords", [c.item_type, c.label])
    note.add("proof", doc)
    note.add("entity", doc)
    d = c.data or {}
    who = [d.get("speaker"), d.get("actor"), *(d.get("actors") or []), d.get("subject"),
           d.get("target"), c.canonical]
    for name in who:
        if isinstance(name, str):
            note.add("entity", by_name.get(name, []))
    return _out(note)


def names_index(keys: Iterable[tuple[str, str]],
                ids: dict[tuple[str, str], str] | None = None) -> dict[str, list[str]]:
    """Entity ids by name (from ``entity_key``s), for ``claim_entity``."""
    out: dict[str, list[str]] = {}
    for label, name in sorted(set(keys)):
        out.setdefault(name, []).append((ids or {}).get((label, name)) or entity_id(label, name))
    return out


# -- import ---------------------------------------------------------------------------------

_KEEP = ("id", "schema", "properties", "datasets", "referents", "caption", "first_seen",
         "last_seen", "last_change", "target")


def read_entities(lines: Iterable[bytes], name: str) -> Iterator[ImportedEntity]:
    """Parse and check FtM JSON lines; a bad line raises ``ValidationError`` naming it.

    Checked: JSON object, a non-empty string ``id``, a ``schema`` followthemoney knows,
    ``properties`` mapping names of that schema to lists of strings (values are cleaned
    by the model; a value it refuses is an error, not silently dropped).
    """
    from followthemoney import model
    from followthemoney.exc import InvalidData

    for n, raw in enumerate(lines, start=1):
        where = f"{name}, line {n}"
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationError(where, f"not JSON ({str(exc).split(':')[0]}); each line must be "
                                  "one FtM entity object") from None
        if not isinstance(data, dict):
            raise ValidationError(where, "not a JSON object; each line must be one FtM entity")
        eid = data.get("id")
        if not isinstance(eid, str) or not eid.strip():
            raise ValidationError(where, "entity has no 'id'")
        if len(eid) > 255:
            raise ValidationError(where, f"entity id is {len(eid)} characters long (at most 255)")
        schema = model.get(data.get("schema") or "")
        if schema is None:
            raise ValidationError(where, f"unknown FtM schema {data.get('schema')!r} "
                                  f"(followthemoney {_version()} knows {len(model.schemata)} schemata)")
        props = data.get("properties", {})
        if not isinstance(props, dict):
            raise ValidationError(where, "'properties' is not an object")
        for key, values in props.items():
            if schema.get(key) is None:
                raise ValidationError(where, f"schema {schema.name} has no property {key!r}")
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise ValidationError(where, f"property {key!r} must be a list of strings "
                                      "(nested entities: export the flat FtM format)")
        try:
            proxy = model.get_proxy({k: data[k] for k in _KEEP if k in data} | {"schema": schema.name},
                                    cleaned=False)
        except InvalidData as exc:
            raise ValidationError(where, f"not a valid {schema.name}: {exc}") from None
        cleaned = proxy.to_dict()["properties"]
        for key, values in props.items():
            if values and not cleaned.get(key):
                raise ValidationError(where, f"property {key!r}: followthemoney refuses "
                                      f"{values[0][:60]!r} as a {schema.get(key).type.name}")
        datasets = data.get("datasets") or []
        yield ImportedEntity(id=proxy.id, schema=schema.name, caption=proxy.caption or proxy.id,
                             properties=cleaned,
                             datasets=tuple(str(d) for d in datasets if isinstance(d, str)),
                             referents=tuple(str(r) for r in data.get("referents") or []
                                             if isinstance(r, str)),
                             line=n)


def merge_properties(a: dict[str, list[str]], b: dict[str, list[str]]) -> dict[str, list[str]]:
    """Union of two property maps, values in first-seen order (FtM merges by id this way)."""
    out = {k: list(v) for k, v in a.items()}
    for k, values in b.items():
        have = out.setdefault(k, [])
        have.extend(v for v in values if v not in have)
    return out


def common_schema(a: str, b: str, where: str, entity: str) -> str:
    """The more specific of two compatible schemata (followthemoney's rule); ``ValidationError``
    naming ``where`` when they cannot describe one entity (a Person and a Vessel)."""
    from followthemoney import model
    from followthemoney.exc import InvalidData

    try:
        return model.common_schema(a, b).name
    except InvalidData:
        raise ValidationError(where, f"entity {entity!r} is a {b} here but a {a} before; "
                              "one id cannot be both") from None


def validate_entity(entity: dict) -> None:
    """Raise if an exported entity does not validate against followthemoney's model."""
    from followthemoney import model

    schema = model.get(entity["schema"])
    unknown = set(entity["properties"]) - set(schema.properties)
    if unknown:
        raise ValueError(f"{entity['id']}: {schema.name} has no {sorted(unknown)}")
    schema.validate(entity)
    missing = [p for p in schema.required if not entity["properties"].get(p)]
    if missing:
        raise ValueError(f"{entity['id']}: required {missing} missing")


def _version() -> str:
    from importlib.metadata import version

    return version("followthemoney")
