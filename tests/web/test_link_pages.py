"""Link pages and API: corroboration paged and saying what the last link run did; the
restricted testimony never reaches a link table; the pages show what the API gives."""

from __future__ import annotations

from sqlalchemy import select

from harvestwatch.services import extract as extract_svc
from harvestwatch.services import link as link_svc
from harvestwatch.services import store as store_svc
from harvestwatch.store.links import LinkCluster
from harvestwatch.web.links import evidence_lines, span_href


def test_corroboration_page_and_api_are_paged_and_say_how_links_were_built(as_user, app):
    store = app.state.store
    link_svc.rebuild(store)
    ivan = as_user("ivan")
    html = ivan.get("/corroboration").text
    assert "Last link run:" in html and "blocks" in html
    everything = ivan.get("/api/corroboration", params={"limit": 1000}).json()
    assert everything and all(c["support"]["independent_sources"] >= 1 for c in everything)
    second = ivan.get("/api/corroboration", params={"limit": 1, "offset": 1}).json()
    assert [c["id"] for c in second] == [everything[1]["id"]]
    assert ivan.get("/api/corroboration", params={"limit": 0}).status_code == 422
    assert ivan.get("/api/contradictions").status_code == 200
    claims = ivan.get("/api/claims", params={"limit": 2, "offset": 1}).json()
    assert len(claims) == 2 and claims[0]["id"] == ivan.get("/api/claims").json()[1]["id"]
    assert ivan.get("/claims", params={"page_no": 2}).status_code == 200


def test_restricted_documents_stay_out_of_links(as_user, app):
    store = app.state.store
    link_svc.rebuild(store)
    texts = [m["text"] for c in link_svc.corroboration(store, limit=1000) for m in c["members"]]
    texts += [c[k]["text"] for c in link_svc.contradictions(store, limit=1000) for k in ("a", "b")]
    assert texts and not any("Sujiatun" in t or "300 prisoners" in t for t in texts)
    names = {e["name"] for e in link_svc.entities(store, limit=1000)}
    assert "Sujiatun" not in names


def test_corroboration_page_links_the_claims_the_api_shows(as_user, app):
    store = app.state.store
    link_svc.rebuild(store)
    full = link_svc.corroboration(store, limit=1000)
    light = link_svc.corroboration(store, limit=1000, evidence=False)

    def shown(clusters):
        return [[(ln["origin"], ln["claims"], ln["grade"],
                  [(x["item_id"], x["document_id"], x["start"], x["end"], x["via"]) for x in ln["chain"]])
                 for ln in c["support"]["lines"]] for c in clusters]

    assert full and shown(full) == shown(light)
    assert [m["id"] for c in full for m in c["members"]] == [m["id"] for c in light for m in c["members"]]
    html = as_user("vic").get("/corroboration").text
    x = full[0]["support"]["lines"][0]["chain"][0]
    assert f'<a href="/documents/{x["document_id"]}?hl={x["start"]}-{x["end"]}#span-{x["start"]}-{x["end"]}">' in html


def test_shown_lines_and_claims_read_alike_on_every_database(app):
    """SQLite reads each cluster's strongest lines by a correlated LIMIT, other databases by a
    window: both give the same rows, at any page bounds."""
    store = app.state.store
    link_svc.rebuild(store)
    with store.engine.connect() as conn:
        ids = [c.id for c in conn.execute(select(LinkCluster.id)).all()]
        assert ids
        for evidence in (False, True):
            correlated = link_svc._corroboration_statements(True, evidence)
            window = link_svc._corroboration_statements(False, evidence)
            for lines, per_line in ((20, 20), (1, 1), (2, 1)):
                params = {"ids": ids, "lines": lines, "per_line": per_line}
                for a, b in zip(correlated, window, strict=True):
                    assert conn.execute(a, params).all() == conn.execute(b, params).all()


def test_entity_page_context_is_the_text_around_each_mention(as_user, app):
    store = app.state.store
    texts: dict[int, str] = {}
    wide = None  # a mention after non-ASCII text: the context is cut in characters, as Python slices
    for e in extract_svc.list_entities(store, limit=1000):
        for m in store_svc.entity_mentions(store, e["label"], e["name"]):
            text = texts.setdefault(m["document_id"], store_svc.show_document(store, m["document_id"])["text"])
            assert text[m["start"]:m["end"]] == m["text"]
            assert m["context"] == text[max(0, m["start"] - 80):m["end"] + 80]
            if not text[:m["start"]].isascii():
                wide = e
    assert wide is not None
    page = as_user("vic").get(f"/entities/{wide['label']}/{wide['name']}")
    assert page.status_code == 200 and "“…" in page.text


def test_evidence_lines_escape_what_they_quote():
    lines = [{"origin": "<b>Outlet</b>", "claims": 3, "grade": {"reliability": "B", "credibility": 2},
              "chain": [{"document_id": 3, "start": 1, "end": 5, "via": "<script>x</script>"},
                        {"document_id": 4, "start": 0, "end": 2, "via": "cites"}]},
             {"origin": "Other", "claims": 1, "grade": None,
              "chain": [{"document_id": 5, "start": 2, "end": 4, "via": "own reporting"}]}]
    html = evidence_lines(lines)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;Outlet" in html
    assert html.startswith('<li>&lt;b&gt;Outlet&lt;/b&gt; <span class="meta">graded B2</span> ←\n'
                           '<a href="/documents/3?hl=1-5#span-1-5">doc 3</a>')
    assert "and 1 more claim(s)" in html and html.count("<li>") == 2 and "more claim" not in html.split("<li>")[2]
    assert span_href({"document_id": "7", "start": 1, "end": 2}) == "/documents/7?hl=1-2#span-1-2"
