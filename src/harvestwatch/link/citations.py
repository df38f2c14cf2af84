"""Where a claim comes from: the origin a document attributes it to, for counting independence.

A claim inside a testimony comes from its speaker; a claim in a sentence that says
"according to X", "X reports/said/notes", "cited by X", "a report by X" comes from X; a
sentence that links a URL comes from the linked outlet (or, when the URL is another stored
document, from that document's own origin); "the report says" / "the newspaper found"
refers back to the last origin the document named before it. Otherwise the claim is the
document's own (its outlet or site, else the document itself). Outlet names, domains and
other spellings are one origin (data/outlets.yaml): two documents repeating the Daily Mail
are one line of evidence, the Daily Mail.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from importlib import resources
from urllib.parse import urlsplit

import yaml

from harvestwatch.core.items import Item, Stance, Testimony

_WORD = r"[A-Z][\w’'&-]*(?:\.[\w’'&-]+)*"  # "U.S" but never a sentence's full stop
_NAME = _WORD + r"(?:[ \xa0]+(?:(?:of|for|and|on|the)[ \xa0]+)?" + _WORD + r"){0,6}"
_WORK = (r"(?:report|study|investigation|article|analysis|paper|book|estimate|survey|research|"
         r"documentary|film|interview)")
_ROLE = r"(?:(?:[a-z][a-z-]+ ){1,3}(?=[A-Z]))?"  # "by filmmaker Leon Lee", "by human rights lawyer ..."
_ATTRIBUTION = re.compile(
    r"\b[Aa]ccording to (?:the |a |an )?(" + _NAME + r")"
    r"|\b(?:the |The )?(" + _NAME + r")\s(?:reports?|reported|says|said|notes|noted|writes|"
    r"wrote|found|finds|estimates?|estimated|claims?|claimed|told|concluded|revealed|alleges?|"
    r"alleged|argues?|argued|stated|states|testified|documented|calculated)\b"
    r"|\b(?:cited|quoted|reported) by (?:the )?" + _ROLE + r"(" + _NAME + r")"
    r"|\b" + _WORK + r"s? (?:published |written |released )?by (?:the )?" + _ROLE + r"(" + _NAME + r")"
    r"|\b(?:[Tt]he )?(" + _NAME + r")[’']s? (?:\d{4} |new |latest )?" + _WORK + r"\b")
# "the report says", "the newspaper found": refers back to the last named origin
_ANAPHOR = re.compile(r"\b[Tt]he (?:same |original |" + r"\d{4} )?(?:report|study|investigation|"
                      r"article|paper|newspaper|outlet|tribunal|researchers|authors|book|survey)\b"
                      r"|该报告|报告称|该报|报道称")
_URL = re.compile(r"https?://[^\s<>()\[\]\"'，。）]+")
_PRONOUNS = {"He", "She", "They"}  # "He alleges ...": the person the document named last
_SKIP = {"It", "This", "That", "He", "She", "They", "We", "I", "The", "A", "An", "In", "But", "And",
         "Officials", "Critics", "Experts", "Some", "Many", "Others", "Researchers", "Report"}


@functools.cache
def _outlets() -> tuple[dict[str, str], dict[str, str]]:
    """(name or alias → outlet name, domain → outlet name) from data/outlets.yaml."""
    text = resources.files("harvestwatch.link").joinpath("data/outlets.yaml").read_text("utf-8")
    names: dict[str, str] = {}
    domains: dict[str, str] = {}
    for o in yaml.safe_load(text)["outlets"]:
        for n in (o["name"], *o.get("aliases", ())):
            names[_key(n)] = o["name"]
        for d in o.get("domains", ()):
            domains[d.lower()] = o["name"]
    return names, domains


def _key(name: str) -> str:
    name = re.sub(r"\s+", " ", name.strip().lower())
    return name[4:] if name.startswith("the ") else name


def outlet_of_host(host: str) -> str:
    """The outlet a web host belongs to ("www.dailymail.co.uk" → "Daily Mail"), else the host."""
    host = host.lower().split(":")[0].removeprefix("www.")
    domains = _outlets()[1]
    parts = host.split(".")
    for i in range(len(parts) - 1):  # news.bbc.co.uk → bbc.co.uk
        if ".".join(parts[i:]) in domains:
            return domains[".".join(parts[i:])]
    return host


def outlet_name(name: str) -> str:
    """One spelling per outlet: "Mail Online", "the Daily Mail", "dailymail.co.uk" → "Daily Mail"."""
    name = name.strip()
    if re.fullmatch(r"(?:[\w-]+\.)+[a-z]{2,}", name.lower()):
        return outlet_of_host(name)
    return _outlets()[0].get(_key(name), name)


def sentence_of(text: str, start: int, end: int) -> tuple[int, int]:
    lo = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start), text.rfind("。", 0, start)) + 1
    hi = [i for i in (text.find(". ", end), text.find("\n", end), text.find("。", end)) if i != -1]
    return lo, (min(hi) + 1 if hi else len(text))


def _named(m: re.Match) -> str | None:
    name = next(g for g in m.groups() if g).strip()
    if name.split()[0] in _SKIP or len(name) < 3:
        return None
    return name


def attributed_origin(text: str, start: int, end: int, resolve) -> str | None:
    """The named source the sentence around [start, end) attributes the claim to, if any."""
    lo, hi = sentence_of(text, start, end)
    for m in _ATTRIBUTION.finditer(text, lo, hi):
        if next(g for g in m.groups() if g).strip() in _PRONOUNS:
            return earlier_origin(text, lo, resolve)
        name = _named(m)
        if name:
            return outlet_name(resolve(name))
    return None


def url_origin(text: str, start: int, end: int, urls: Mapping[str, dict]) -> tuple[str, str] | None:
    """(origin, how) for a sentence that links a URL: a stored document's origin, else the outlet."""
    lo, hi = sentence_of(text, start, end)
    m = _URL.search(text, lo, hi)
    if not m:
        return None
    url = m.group().rstrip(".,;:")
    doc = urls.get(url.rstrip("/"))
    if doc is not None:
        return own_origin(doc), f"links stored document {doc['id']} ({url})"
    return outlet_of_host(urlsplit(url).netloc), f"links {url}"


def own_origin(doc: dict) -> str:
    """The origin of a document's own claims: its outlet (site or URL host), else itself."""
    if doc.get("site"):
        return outlet_name(doc["site"])
    if doc.get("url"):
        return outlet_of_host(urlsplit(doc["url"]).netloc)
    return f"document {doc['id']}"


def earlier_origin(text: str, start: int, resolve) -> str | None:
    """The last origin named before ``start`` in the document ("the report says" → that report)."""
    last = None
    for m in _ATTRIBUTION.finditer(text, 0, start):
        name = _named(m)
        if name:
            last = name
    return outlet_name(resolve(last)) if last else None


def claim_origin(item: Item, doc: dict, testimonies: list[Item], resolve,
                 urls: Mapping[str, dict] | None = None) -> tuple[str, str]:
    """(origin, how) for one claim item in document ``doc`` (dict with id, text, site, url).

    ``testimonies`` are the testimonies of that document (others are ignored); ``urls`` maps
    stored documents' URLs (without a trailing slash) to their document dicts.
    """
    for t in testimonies:
        if t.document_id == item.document_id and t.start <= item.start and item.end <= t.end:
            return resolve(t.payload.speaker), "quoted speaker"
    if isinstance(item.payload, Testimony):
        return resolve(item.payload.speaker), "speaker"
    if isinstance(item.payload, Stance) and item.payload.actor:
        # the parse named who alleges or denies: a document relaying it adds no line of its own
        return resolve(item.payload.actor), "who alleges or denies it, as the sentence says"
    text = doc["text"]
    origin = attributed_origin(text, item.start, item.end, resolve)
    if origin:
        return origin, "attributed in the sentence"
    linked = url_origin(text, item.start, item.end, urls or {})
    if linked:
        return linked
    lo, hi = sentence_of(text, item.start, item.end)
    if _ANAPHOR.search(text, lo, hi):
        origin = earlier_origin(text, lo, resolve)
        if origin:
            return origin, "attributed to the source named earlier in the document"
    return own_origin(doc), "the document's own claim"
