"""Search through the API: the query language, similarity and documents, within the caller's collections."""
from pathlib import Path

import pytest

from app.extensions import db
from app.patents.search import corpus
from app.patents.search.models import PrivateDocument
from app.tenancy import tenant_scope

SAMPLES = Path(__file__).resolve().parents[2] / "app" / "data" / "demo_patents"


@pytest.fixture
def indexed(app, world):
    numbers = corpus.import_file(SAMPLES / "ipg050104-25-grants.xml", private=False).numbers
    db.session.commit()
    corpus.index_public_documents(numbers)
    with tenant_scope(world.firm_a.id):
        db.session.add(PrivateDocument(number="XX900001", root="XX900001", country="XX", doc_number="900001",
                                       title="Acme confidential widget method", abstract="a secret widget method"))
        db.session.commit()
        corpus.index_private_documents(world.firm_a.id, ["XX900001"])
    return numbers


def test_specialists_search_public_art_and_their_firms_collection_only(world, token_for, client, indexed):
    own = client.get("/api/v1/search/query?q=ti:widget", headers=token_for(world["specialist_a"], world.firm_a))
    assert own.status_code == 200 and [h["number"] for h in own.get_json()["hits"]] == ["XX900001"]
    other = client.get("/api/v1/search/query?q=ti:widget", headers=token_for(world["specialist_both"], world.firm_b))
    assert other.get_json() == {"total": 0, "total_is_exact": True, "hits": []}
    public = client.get("/api/v1/search/query?q=ti:method&before=2005-01-05&limit=3",
                        headers=token_for(world["specialist_both"], world.firm_b)).get_json()
    assert public["total"] >= 1 and len(public["hits"]) <= 3
    assert all(h["collection"] == "public" for h in public["hits"])
    cut_off = client.get("/api/v1/search/query?q=ti:method&before=2005-01-04",
                         headers=token_for(world["specialist_both"], world.firm_b)).get_json()
    assert cut_off["total"] == 0  # published on 2005-01-04: not before it


def test_query_errors_name_the_position(world, token_for, client, indexed):
    response = client.get("/api/v1/search/query?q=ti:(widget", headers=token_for(world["specialist_a"], world.firm_a))
    body = response.get_json()
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert "position" in body and "position" in body["detail"]


def test_similarity_lists_the_terms_behind_each_hit(world, token_for, client, indexed):
    response = client.post("/api/v1/search/similar", json={"text": "A steering wheel with an airbag module and a horn"},
                           headers=token_for(world["specialist_a"], world.firm_a))
    hits = response.get_json()["hits"]
    assert response.status_code == 200 and hits and hits[0]["terms"]
    assert client.post("/api/v1/search/similar", json={"text": ""},
                       headers=token_for(world["specialist_a"], world.firm_a)).status_code == 400


def test_firm_users_read_documents_but_search_is_for_the_provider(world, token_for, client, indexed):
    attorney = token_for(world["a_attorney"], world.firm_a)
    assert client.get("/api/v1/search/query?q=ti:method", headers=attorney).status_code == 403
    document = client.get(f"/api/v1/search/documents/{indexed[0]}", headers=attorney)
    assert document.status_code == 200 and document.get_json()["claims"]
    assert client.get("/api/v1/search/documents/XX900001", headers=attorney).status_code == 200
    foreign = client.get("/api/v1/search/documents/XX900001", headers=token_for(world["b_attorney"], world.firm_b))
    assert foreign.status_code == 404


def test_firm_b_scores_do_not_move_with_firm_a_private_documents(world, token_for, client, indexed):
    """Issue 11 item 3 through the API: firm A's private words are invisible in firm B's scores and counts."""
    firm_b = token_for(world["specialist_both"], world.firm_b)

    def firm_b_sees():
        answers = [client.get(f"/api/v1/search/query?q={query}&limit=50", headers=firm_b).get_json()
                   for query in ("method OR zorbulator", "method", "zorb*", "meth*")]
        answers.append(client.post("/api/v1/search/similar", json={"text": "a zorbulator method for a vehicle"},
                                   headers=firm_b).get_json())
        return answers

    before = firm_b_sees()
    with tenant_scope(world.firm_a.id):
        for n in range(30):
            db.session.add(PrivateDocument(number=f"XX91{n:04d}", root=f"XX91{n:04d}", country="XX",
                                           doc_number=f"91{n:04d}", title=f"Zorbulator method {n}",
                                           abstract="a zorbulator method " * n))
        db.session.commit()
        corpus.index_private_documents(world.firm_a.id, [f"XX91{n:04d}" for n in range(30)])
    assert firm_b_sees() == before
    own = client.get("/api/v1/search/query?q=zorbulator", headers=token_for(world["specialist_a"], world.firm_a))
    assert own.get_json()["total"] == 30


def test_expensive_queries_are_refused_with_position_or_stopped(app, world, token_for, client, indexed):
    headers = token_for(world["specialist_a"], world.firm_a)
    refused = client.get("/api/v1/search/query?q=ti:method OR *a*", headers=headers)
    assert refused.status_code == 400 and refused.get_json()["position"] == 13
    assert "too broad" in refused.get_json()["detail"]
    nested = client.get("/api/v1/search/query?q=" + "(" * 600 + "method" + ")" * 600, headers=headers)
    assert nested.status_code == 400 and "nest at most" in nested.get_json()["detail"]
    assert client.get("/api/v1/search/query?q=method&offset=995&limit=10", headers=headers).status_code == 400

    app.extensions["patentdesk.search"].time_budget = 0.0
    stopped = client.get("/api/v1/search/query?q=method", headers=headers)
    assert stopped.status_code == 422 and "took longer than" in stopped.get_json()["detail"]
    page = client.get("/api/v1/search/query?q=method", headers=headers)
    assert page.status_code == 422


def test_the_search_page_explains_a_refused_or_stopped_search(app, world, login_as, indexed):
    specialist = login_as(world["specialist_a"], world.firm_a)
    refused = specialist.get("/search/?q=pn:U*").get_data(as_text=True)
    assert "too broad" in refused and "at position 3" in refused
    app.extensions["patentdesk.search"].time_budget = 0.0
    stopped = specialist.get("/search/?q=method").get_data(as_text=True)
    assert "took longer than" in stopped
