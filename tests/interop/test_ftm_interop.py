"""FollowTheMoney interop on real stores and real FtM files: the export validates against
followthemoney's model and every span it cites is the quoted text; restricted documents stay
out unless asked for; a round trip into a fresh store keeps ids and provenance; imports keep
their source and refuse bad lines without touching what is stored."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from harvestwatch.core.config import Settings
from harvestwatch.core.errors import EmptyInput, ValidationError
from harvestwatch.interop.ftm import parse_span_ref
from harvestwatch.services import ftm as svc
from harvestwatch.services import ingest as ingest_svc
from harvestwatch.services import store as store_svc
from harvestwatch.store import open_store
from harvestwatch.store.ftm import FtmEntity, FtmProvenance
from harvestwatch.store.models import LedgerEntry, Source

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
REPO = HERE.parents[1]
SAMPLES = REPO / "samples" / "corpus"
INGEST_FIXTURES = REPO / "tests" / "ingest" / "fixtures"


@pytest.fixture(scope="module")
def populated(tmp_path_factory):
    """Three news articles (extracted), a two-page PDF, a mailbox, and one
    restricted article: built once for the module."""
    root = tmp_path_factory.mktemp("ftm-store")
    store = open_store(Settings(store_dir=root / "store", actor="tester"))
    hospital = root / "tianjin.txt"
    hospital.write_text("Officials at Tianjin First Central Hospital said 600 liver transplants were "
                        "performed there in 2006.", encoding="utf-8")
    ingest_svc.ingest(store, [str(p) for p in sorted(SAMPLES.iterdir())][:2] + [str(hospital)])
    long = root / "long-report.txt"  # over FtM's 65,000 characters per value
    long.write_text("\n".join(f"Paragraph {i}: the committee heard evidence on transplant waiting "
                              "times at military hospitals." for i in range(3000)), encoding="utf-8")
    ingest_svc.ingest(store, [str(INGEST_FIXTURES / "twopage.pdf"),
                              str(INGEST_FIXTURES / "plan.mbox"), str(long)], extract=False)
    ingest_svc.ingest(store, [str(sorted(SAMPLES.iterdir())[2])], restricted=True)
    yield store
    store.close()


def _export(store, **how) -> tuple[list[dict], svc.FtmExport]:
    buf = io.StringIO()
    summary = svc.export_ftm(store, buf, destination="test.ftm.json", **how)
    return [json.loads(line) for line in buf.getvalue().splitlines()], summary


def test_export_validates_and_every_span_is_its_quote(populated):
    from followthemoney import model

    entities, summary = _export(populated)
    assert summary.entities == len(entities) and summary.documents == 7
    ids = [e["id"] for e in entities]
    assert len(ids) == len(set(ids))
    for e in entities:
        schema = model.get(e["schema"])
        assert set(e["properties"]) <= set(schema.properties)
        assert schema.validate(e) is None
        assert all(e["properties"].get(p) for p in schema.required), e
        assert model.get_proxy(e, cleaned=False).to_dict()["properties"] == e["properties"]
    by_id = {e["id"]: e for e in entities}
    schemata = {e["schema"] for e in entities}
    assert {"Pages", "Page", "PlainText", "Package", "Email", "Person", "Documentation", "Note"} <= schemata
    assert schemata & {"Organization", "PublicBody"}
    docs = [e for e in entities if e["id"].startswith("hw-doc-")]
    for d in docs:  # contentHash is FtM's (SHA-1 of the original bytes); sha256 is in the id
        sha256 = d["id"].removeprefix("hw-doc-")
        raw = populated.blobs.read(sha256)
        assert d["properties"]["contentHash"] == [hashlib.sha1(raw).hexdigest()]
    pdf = next(d for d in docs if d["schema"] == "Pages")
    pages = [e for e in entities if e["schema"] == "Page" and e["properties"]["document"] == [pdf["id"]]]
    assert sorted(p["properties"]["index"][0] for p in pages) == ["1", "2"]
    long = next(d for d in docs if d["properties"]["fileName"] == ["long-report.txt"])
    assert long["schema"] == "Pages" and "bodyText" not in long["properties"]
    parts = sorted((e for e in entities if e["schema"] == "Page" and e["properties"]["document"] == [long["id"]]),
                   key=lambda e: int(e["properties"]["index"][0]))
    assert len(parts) >= 4 and all(len(p["properties"]["bodyText"][0]) <= 60_000 for p in parts)
    offsets = long["properties"]["notes"][-1].removeprefix("pages ").split()
    text = store_svc.show_document(populated, long["id"].removeprefix("hw-doc-"))["text"]
    assert len(offsets) == len(parts) and offsets[-1].endswith(f"-{len(text)}")
    for page, spec in zip(parts, offsets, strict=True):  # each page is the text at its offsets
        a, b = map(int, spec.split(":")[1].split("-"))
        assert page["properties"]["bodyText"] == [text[a:b].strip()]
    child = next(d for d in docs if d["properties"].get("parent"))
    assert by_id[child["properties"]["parent"][0]]["properties"]["fileName"] == ["plan.mbox"]

    def body(doc_id: str) -> str:
        return by_id[doc_id]["properties"]["bodyText"][0]

    checked = 0
    for e in entities:
        if e["schema"] == "Documentation":
            sha, start, end = parse_span_ref(e["properties"]["recordId"][0])
            assert e["properties"]["document"] == [f"hw-doc-{sha}"]
            assert body(f"hw-doc-{sha}")[start:end] == e["properties"]["summary"][0]
            assert e["properties"]["entity"][0] in by_id
            checked += 1
        elif e["schema"] == "Note":
            sha, start, end = parse_span_ref(e["properties"]["notes"][0])
            assert body(f"hw-doc-{sha}")[start:end] == e["properties"]["description"][0]
            assert e["properties"]["proof"] == [f"hw-doc-{sha}"]
            assert all(t in by_id for t in e["properties"]["entity"])
            checked += 1
    assert checked > 20
    # A hospital the registry knows takes the registry export's id, so Aleph merges the two.
    tianjin = by_id["hw-hospital-tianjin-first-central-hospital"]
    assert tianjin["schema"] == "Organization" and tianjin["properties"]["classification"] == ["hospital"]
    assert any(e["schema"] == "Documentation" and e["properties"]["entity"] == [tianjin["id"]]
               for e in entities)
    kinds = {k for e in entities if e["schema"] == "Note" for k in e["properties"]["keywords"]}
    assert {"quantity", "testimony", "stance"} <= kinds


def test_restricted_documents_and_their_items_are_left_out_unless_asked(populated):
    entities, summary = _export(populated)
    restricted = next(s for s in sorted(SAMPLES.iterdir())[2:3])
    sha = hashlib.sha256(restricted.read_bytes()).hexdigest()
    text = json.dumps(entities)
    assert sha not in text
    assert summary.restricted_documents_left_out == 1 and summary.restricted_items_left_out > 0
    everything, full = _export(populated, include_restricted=True)
    assert f"hw-doc-{sha}" in {e["id"] for e in everything}
    assert "enc:v" not in json.dumps(everything)  # sealed values are opened, never exported sealed
    body = next(e for e in everything if e["id"] == f"hw-doc-{sha}")["properties"]["bodyText"][0]
    links = [e for e in everything if e["schema"] == "Documentation"
             and e["properties"]["document"] == [f"hw-doc-{sha}"]]
    assert links and all(body[slice(*parse_span_ref(e["properties"]["recordId"][0])[1:])]
                         == e["properties"]["summary"][0] for e in links)
    assert full.restricted_documents_left_out == 0
    assert len(everything) > len(entities)
    with populated.session() as s:
        last = s.scalars(select(LedgerEntry).where(LedgerEntry.action == "export")
                         .order_by(LedgerEntry.seq.desc())).first()
        assert last.payload["format"] == "ftm" and last.payload["include_restricted"] is True


def test_round_trip_into_a_fresh_store_keeps_ids_and_provenance(populated, tmp_path):
    entities, _ = _export(populated)
    path = tmp_path / "investigation.ftm.json"
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entities), encoding="utf-8")
    fresh = open_store(Settings(store_dir=tmp_path / "fresh", actor="tester"))
    try:
        result = svc.import_ftm(fresh, path)
        assert result.entities == len(entities) and result.new == len(entities)
        again, summary = _export(fresh)
        assert summary.documents == 0  # the other store's documents arrive as entities
        assert sorted(again, key=lambda e: e["id"]) == sorted(entities, key=lambda e: e["id"])
        with fresh.session() as s:
            src = s.scalar(select(Source).where(Source.blob_sha256 == result.sha256))
            assert src is not None and fresh.blobs.read(result.sha256) == path.read_bytes()
            lines = dict(s.execute(select(FtmProvenance.entity_id, FtmProvenance.line)).all())
        assert lines[entities[0]["id"]] == 1 and lines[entities[-1]["id"]] == len(entities)
        view = svc.imported_entity(fresh, entities[0]["id"])
        assert view.sources == [{"sha256": result.sha256, "name": str(path), "line": 1,
                                 "dataset": "harvestwatch"}]
    finally:
        fresh.close()


def test_imports_a_real_opensanctions_file_with_its_source(any_store):
    path = FIXTURES / "eu_fsf.ftm.json"
    result = svc.import_ftm(any_store, path)
    assert (result.entities, result.new, result.datasets) == (7, 7, ["eu_fsf"])
    assert result.by_schema == {"Address": 1, "Organization": 2, "Person": 4}
    assert any_store.blobs.read(result.sha256) == path.read_bytes()
    people, total = svc.imported_entities(any_store, schema="LegalEntity")
    assert total == 6 and {p.schema for p in people} == {"Person", "Organization"}
    irgc = svc.imported_entity(any_store, "NK-2PacmNpiLUmoz4XD2mSt7A")
    assert irgc.caption == "IRGC" and "Iranian Revolutionary Guard Corps" in irgc.properties["name"]
    assert irgc.sources[0]["line"] == 7 and irgc.sources[0]["dataset"] == "eu_fsf"
    found, n = svc.imported_entities(any_store, query="kuzmenko")
    assert n == 1 and found[0].properties["birthDate"] == ["1971-01-22"]
    again = svc.import_ftm(any_store, path)  # the same file twice: nothing doubled
    assert again.already_imported
    with any_store.session() as s:
        assert s.scalar(select(func.count()).select_from(FtmEntity)) == 7
        assert s.scalar(select(func.count()).select_from(FtmProvenance)) == 7
        actions = [e.action for e in s.scalars(select(LedgerEntry).order_by(LedgerEntry.seq))]
    assert actions.count("import") == 1 and "ingest" in actions
    from harvestwatch.services.store import verify

    assert verify(any_store).ok


def test_aleph_style_file_without_datasets_takes_the_given_one(sqlite_store, tmp_path):
    result = svc.import_ftm(sqlite_store, FIXTURES / "parteispenden.ftm.json", dataset="de_donations")
    assert result.entities == 40 and result.datasets == ["de_donations"]
    assert result.by_schema["Payment"] == 16
    # An entity already known from another file is merged under its id, both sources kept.
    extra = tmp_path / "more.ftm.json"
    extra.write_text(json.dumps({"id": "6d03aec76fdeec8f9697d8b19954ab6fc2568bc8", "schema": "Organization",
                                 "properties": {"name": ["Marxistisch-Leninistische Partei Deutschlands"]},
                                 "datasets": ["de_parties"]}) + "\n", encoding="utf-8")
    merged = svc.import_ftm(sqlite_store, extra)
    assert (merged.new, merged.merged) == (0, 1)
    view = svc.imported_entity(sqlite_store, "6d03aec76fdeec8f9697d8b19954ab6fc2568bc8")
    assert view.properties["name"] == ["MLPD", "Marxistisch-Leninistische Partei Deutschlands"]
    assert [s["dataset"] for s in view.sources] == ["de_donations", "de_parties"]


BAD = [
    ("not json {\n", "line 2: not JSON"),
    ('{"schema": "Person", "properties": {"name": ["A"]}}\n', "line 2: entity has no 'id'"),
    ('{"id": "x1", "schema": "Spaceship", "properties": {}}\n', "line 2: unknown FtM schema 'Spaceship'"),
    ('{"id": "x1", "schema": "Person", "properties": {"wingspan": ["3"]}}\n',
     "line 2: schema Person has no property 'wingspan'"),
    ('{"id": "x1", "schema": "Person", "properties": {"name": "A"}}\n', "line 2: property 'name' must be a list"),
    ('{"id": "x1", "schema": "Person", "properties": {"birthDate": ["not a date"]}}\n',
     "line 2: property 'birthDate': followthemoney refuses"),
    ('[1, 2]\n', "line 2: not a JSON object"),
]


@pytest.mark.parametrize("line,message", BAD)
def test_a_bad_line_is_named_and_nothing_stored_is_lost(sqlite_store, tmp_path, line, message):
    svc.import_ftm(sqlite_store, FIXTURES / "eu_fsf.ftm.json")
    with sqlite_store.session() as s:
        before = (s.scalar(select(func.count()).select_from(FtmEntity)),
                  s.scalar(select(func.count()).select_from(Source)),
                  s.scalar(select(func.count()).select_from(LedgerEntry)))
    bad = tmp_path / "bad.ftm.json"
    good = '{"id": "ok-1", "schema": "Person", "properties": {"name": ["Good Line"]}}\n'
    bad.write_text(good + line + good.replace("ok-1", "ok-2"), encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        svc.import_ftm(sqlite_store, bad)
    assert str(err.value).startswith(f"{bad}, ") and message in str(err.value)
    assert "\n" not in str(err.value)
    with sqlite_store.session() as s:
        after = (s.scalar(select(func.count()).select_from(FtmEntity)),
                 s.scalar(select(func.count()).select_from(Source)),
                 s.scalar(select(func.count()).select_from(LedgerEntry)))
    assert after == before
    assert svc.imported_entity(sqlite_store, "NK-2PacmNpiLUmoz4XD2mSt7A").caption == "IRGC"


def test_empty_and_conflicting_files_are_refused(sqlite_store, tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"\n\n")
    with pytest.raises(EmptyInput):
        svc.import_ftm(sqlite_store, empty)
    clash = tmp_path / "clash.json"
    clash.write_text('{"id": "a", "schema": "Person", "properties": {"name": ["A"]}}\n'
                     '{"id": "a", "schema": "Vessel", "properties": {"name": ["A"]}}\n', encoding="utf-8")
    with pytest.raises(ValidationError, match="line 2: entity 'a' is a Vessel here but a Person before"):
        svc.import_ftm(sqlite_store, clash)


def test_cli_ingest_and_export_ftm(tmp_path):
    from harvestwatch.cli import app

    store = tmp_path / "cli-store"
    runner = CliRunner()
    good = tmp_path / "eu_fsf.ftm.json"
    shutil.copy(FIXTURES / "eu_fsf.ftm.json", good)
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "a", "schema": "Person", "properties": {"name": ["A"]}}\n{oops\n', encoding="utf-8")
    r = runner.invoke(app, ["--store", str(store), "ingest", "--format", "ftm", str(bad), str(good)])
    assert r.exit_code == 1, r.output
    assert f"{bad}, line 2: not JSON" in r.output and "Traceback" not in r.output
    assert "imported 7 entities (7 new, 0 merged)" in r.output and "dataset eu_fsf" in r.output
    out = tmp_path / "out.ftm.json"
    r = runner.invoke(app, ["--store", str(store), "export", "--format", "ftm", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "wrote 7 FtM entities" in r.output
    assert {json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()} == {
        json.loads(line)["id"] for line in good.read_text(encoding="utf-8").splitlines()}


def test_names_differing_only_in_case_are_one_entity():
    from harvestwatch.interop.ftm import ItemRecord, entity_entities, entity_key, mention_entity

    items = [ItemRecord("a" * 64, "entity", "organization", text, i * 40, i * 40 + len(text), text, "x")
             for i, text in enumerate(["Ministry of Health", "ministry of health", "MINISTRY OF HEALTH"])]
    names: dict = {}
    for m in items:
        names.setdefault(entity_key(m), set()).add(m.text)
    entities = entity_entities(names)
    assert len(entities) == 1 and entities[0]["schema"] == "PublicBody"
    assert sorted(entities[0]["properties"]["alias"]) == ["MINISTRY OF HEALTH", "ministry of health"]
    assert {mention_entity(m)["properties"]["entity"][0] for m in items} == {entities[0]["id"]}
