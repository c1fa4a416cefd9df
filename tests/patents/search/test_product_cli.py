"""The command line: import real samples (--json shape, idempotent), broken files, query/similar output, exit 2."""
import json

import pytest

from app.extensions import db
from app.patents.search.models import PatentDocument, PrivateDocument
from app.tenancy import tenant_scope
from tests.resources import SAMPLE_PATENTS

DATA = SAMPLE_PATENTS
SAMPLES = ["ep-grant-v1-5-1-B1.xml", "ep-application-v1-4-A1.xml", "ipa130117-1-application.xml",
           "ipg050104-25-grants.xml"]


@pytest.fixture
def runner(app):
    return app.test_cli_runner(mix_stderr=False) if _supports_mix_stderr(app) else app.test_cli_runner()


def _supports_mix_stderr(app) -> bool:
    import inspect

    from click.testing import CliRunner
    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def _import(runner, *args):
    result = runner.invoke(args=["patents", "import", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_import_real_samples_then_reimport_updates(app, runner):
    files = [str(DATA / name) for name in SAMPLES]
    first = _import(runner, *files)
    assert first == {"imported": 29, "updated": 0, "failed": [], "warnings": [], "skipped": {}}
    assert db.session.query(PatentDocument).count() == 29
    again = _import(runner, *files)
    assert again == {"imported": 0, "updated": 29, "failed": [], "warnings": [], "skipped": {}}
    assert db.session.query(PatentDocument).count() == 29
    stored = db.session.query(PatentDocument).filter_by(number="EP3383757B1").one()
    assert stored.claims and stored.claims[1]["depends_on"] == [1]
    assert stored.to_record().title == stored.title


def test_broken_document_is_reported_with_position_and_the_rest_imported(app, runner, tmp_path):
    grants = (DATA / "ipg050104-25-grants.xml").read_bytes()
    documents = grants.split(b"<?xml version")
    # break the 3rd document: cut its closing tag off
    documents[3] = documents[3].replace(b"</us-patent-grant>", b"")
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<?xml version".join(documents))
    summary = _import(runner, str(broken))
    assert summary["imported"] == 24
    assert len(summary["failed"]) == 1
    failure = summary["failed"][0]
    assert failure["file"] == "broken.xml" and failure["position"] == 3 and "XML error" in failure["error"]


def test_search_query_cli_shape_cut_off_and_syntax_error(app, runner):
    _import(runner, *[str(DATA / name) for name in SAMPLES])
    result = runner.invoke(args=["search", "query", "airbag OR closure", "--limit", "5", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert set(body) == {"total", "hits"} and body["total"] >= 2
    assert set(body["hits"][0]) == {"number", "score", "title", "publication_date"}
    scores = [hit["score"] for hit in body["hits"]]
    assert scores == sorted(scores, reverse=True)
    cut = runner.invoke(args=["search", "query", "airbag OR closure", "--before", "2006-01-01", "--json"])
    hits = json.loads(cut.stdout)["hits"]
    assert hits and all(hit["publication_date"] < "2006-01-01" for hit in hits)
    assert json.loads(cut.stdout)["total"] < body["total"]

    bad = runner.invoke(args=["search", "query", "ti:(closure", "--json"])
    assert bad.exit_code == 2
    assert "position 3" in (bad.stderr if hasattr(bad, "stderr") else bad.output)
    assert bad.stdout.strip() == ""


def test_search_similar_cli(app, runner, tmp_path):
    _import(runner, *[str(DATA / name) for name in SAMPLES])
    text = tmp_path / "claim.txt"
    text.write_text("A container-closure system wherein the closure comprises magnets biasing an overshell.")
    result = runner.invoke(args=["search", "similar", "--text-file", str(text), "--limit", "3", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["hits"][0]["number"] == "EP3383757B1"
    assert set(body["hits"][0]) == {"number", "score", "title", "publication_date"}


def test_private_collection_import_and_reindex(app, world, runner, tmp_path):
    private = tmp_path / "own.jsonl"
    private.write_text(json.dumps({"number": "US 1,234,567 B1", "title": "Zorblax flux capacitor",
                                   "publication_date": "2001-01-01"}) + "\n")
    assert _import(runner, str(private), "--collection", "acme")["imported"] == 1
    with tenant_scope(world.firm_a.id):
        assert db.session.query(PrivateDocument).count() == 1
    public = json.loads(runner.invoke(args=["search", "query", "zorblax", "--json"]).stdout)
    assert public["total"] == 0  # not in the public corpus
    own = json.loads(runner.invoke(args=["search", "query", "zorblax", "--collection", "acme", "--json"]).stdout)
    assert own["total"] == 1
    other = json.loads(runner.invoke(args=["search", "query", "zorblax", "--collection", "borealis", "--json"]).stdout)
    assert other["total"] == 0
    rebuilt = runner.invoke(args=["search", "reindex"])
    assert rebuilt.exit_code == 0 and "Re-indexed 1 documents" in rebuilt.output
    own = json.loads(runner.invoke(args=["search", "query", "zorblax", "--collection", "acme", "--json"]).stdout)
    assert own["total"] == 1


def test_import_reports_repairs_and_skipped_sequence_listings(app, runner, tmp_path):
    grants = (DATA / "ipg050104-25-grants.xml").read_text(encoding="utf-8")
    first, second = ['<?xml version="1.0"' + d for d in grants.split('<?xml version="1.0"') if d][:2]
    listing = ('<?xml version="1.0" encoding="UTF-8"?>\n'
               '<!DOCTYPE sequence-cwu SYSTEM "us-sequence-listing-2004-03-09.dtd" [ ]>\n'
               '<sequence-cwu id="SEQLST-0" lang="EN"><s400>ACGT</s400></sequence-cwu>\n')
    bulk = tmp_path / "weekly.xml"
    bulk.write_text(first.replace("Device for detachably", "<Device for detachably", 1) + listing + second,
                    encoding="utf-8")
    summary = _import(runner, str(bulk))
    assert (summary["imported"], summary["failed"], summary["skipped"]) == (2, [], {"sequence listing": 1})
    assert summary["warnings"] == [{"file": "weekly.xml", "position": 1, "line": 1, "number": "US6836899B1",
                                    "warning": "repaired: 1 bare '<' escaped"}]
    plain = runner.invoke(args=["patents", "import", str(bulk)])
    assert "1 repaired with a warning, 1 sequence listing skipped" in plain.stdout
    assert "(US6836899B1) imported, repaired: 1 bare '<' escaped" in plain.stdout


def test_public_corpus_on_tantivy_private_collections_on_whoosh(app, world, runner, tmp_path):
    """SEARCH_ENGINES=public=tantivy: import, query, similar, reindex and a mixed search through the product."""
    import os

    from app.patents.search.backends import parse_engine_setting

    indexes = app.extensions["patentdesk.search"]
    indexes.engines = parse_engine_setting("public=tantivy")
    _import(runner, *[str(DATA / name) for name in SAMPLES])
    private = tmp_path / "own.jsonl"
    private.write_text(json.dumps({"number": "US 1,234,567 B1", "title": "Magnetic zorblax closure",
                                   "publication_date": "2001-01-01"}) + "\n")
    _import(runner, str(private), "--collection", "acme")
    assert sorted(os.listdir(indexes.root)) == ["tantivy", "whoosh"]
    assert indexes.backend_for("public").stats("public")["documents"] == 29

    def query(*args):
        result = runner.invoke(args=["search", "query", *args, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    assert query("pn:EP3383757")["hits"][0]["number"] == "EP3383757B1"
    mixed = query("magnetic closure", "--collection", "public", "--collection", "acme")
    assert {"EP3383757B1", "US1234567B1"} <= {hit["number"] for hit in mixed["hits"]}
    text = tmp_path / "claim.txt"
    text.write_text("A container-closure system wherein the closure comprises magnets biasing an overshell.")
    similar = runner.invoke(args=["search", "similar", "--text-file", str(text), "--limit", "3", "--json"])
    assert json.loads(similar.stdout)["hits"][0]["number"] == "EP3383757B1"
    assert "Re-indexed 30 documents" in runner.invoke(args=["search", "reindex"]).output
    assert query("pn:EP3383757")["total"] == 1
