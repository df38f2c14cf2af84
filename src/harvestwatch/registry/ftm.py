"""The registry as FollowTheMoney entities (Aleph's model): an Organization and an Address per
hospital, with names in every script and each accreditation and fact cited in ``notes``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from harvestwatch.core.registry import Accreditation, Fact, Hospital
from harvestwatch.registry.names import all_names

DATASET = "harvestwatch-registry"


def _fact_line(f: Fact) -> str:
    value = f"{f.value:g}" + (f"–{f.value_high:g}" if f.value_high is not None else "")
    src = f.source
    where = src.url or ""
    if src.document_sha256:
        where = f"document {src.document_sha256}#span-{src.start}-{src.end}" + (f" ({src.url})" if src.url else "")
    return (f"{f.metric}: {value} {f.unit}" + (f" ({f.year})" if f.year else "")
            + f" — {where}: “{src.quote}” [verified: {f.verified}]")


def registry_entities(hospitals: list[Hospital], accreditations: list[Accreditation],
                      facts: list[Fact]) -> Iterator[dict]:
    """FtM entity dicts; every value goes through followthemoney's own property cleaning."""
    from followthemoney import model

    accs, fs = defaultdict(list), defaultdict(list)
    for a in accreditations:
        accs[a.hospital_id].append(a)
    for f in facts:
        fs[f.hospital_id].append(f)
    for h in hospitals:
        org = model.make_entity("Organization")
        org.id = f"hw-hospital-{h.id}"
        org.add("name", h.name_en)
        for a in all_names(h):
            if a.name != h.name_en:
                org.add("alias" if a.kind != "abbreviation" else "weakAlias", a.name)
        org.add("country", "cn")
        org.add("classification", "hospital")
        org.add("sector", "health care")
        if h.military:
            org.add("topics", "mil")
        org.add("legalForm", h.affiliation)
        full = ", ".join(x for x in (h.city, h.province, "China") if x)
        org.add("address", full)
        org.add("sourceUrl", h.source.url)
        org.add("publisher", h.source.title)
        org.add("description", f"Registry entry from “{h.source.quote}” ({h.source.url})")
        for a in accs[h.id]:
            org.add("program", f"{a.list_name}" + (f" ({a.year})" if a.year else ""))
            org.add("sourceUrl", a.source.url)
            org.add("notes", f"listed: {a.list_name}" + (f" {a.year}" if a.year else "")
                    + (f" for {', '.join(a.organs)}" if a.organs else "")
                    + f" — {a.source.url}: “{a.source.quote}” [verified: {a.verified}]")
        for f in fs[h.id]:
            if f.source.url:
                org.add("sourceUrl", f.source.url)
            org.add("notes", _fact_line(f))
        address = model.make_entity("Address")
        address.id = f"hw-address-{h.id}"
        address.add("full", full)
        address.add("city", h.city)
        address.add("region", h.province)
        address.add("country", "cn")
        address.add("sourceUrl", h.source.url)
        org.add("addressEntity", address.id)
        yield address.to_dict() | {"datasets": [DATASET]}
        yield org.to_dict() | {"datasets": [DATASET]}
