"""Link pages and API: corroboration paged and saying what the last link run did; the
restricted testimony never reaches a link table."""

from __future__ import annotations

from harvestwatch.services import link as link_svc


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
