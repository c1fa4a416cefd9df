"""Shared fixtures for the prior-art search tests: sample files and small synthetic records."""

from datetime import date
from pathlib import Path

import pytest

from app.patents.search.records import Citation, Claim, PatentRecord
from tests.resources import SAMPLE_PATENTS

DATA_DIR = SAMPLE_PATENTS


def make_record(number: str, title: str = "", *, abstract: str = "", claims: tuple[str, ...] = (),
                description: str = "", published: date | None = date(2010, 1, 1), **fields) -> PatentRecord:
    return PatentRecord.from_number(
        number,
        title=title,
        abstract=abstract,
        claims=[Claim(n, text) for n, text in enumerate(claims, start=1)],
        description=description,
        publication_date=published,
        **fields,
    )


@pytest.fixture
def data_dir() -> Path:
    if not DATA_DIR.is_dir():
        pytest.skip("sample patent files are not available")
    return DATA_DIR


@pytest.fixture
def corpus() -> list[PatentRecord]:
    """A handful of records covering every searchable field."""
    return [
        make_record(
            "US 7,314,354 B2", "Wireless charging pad for portable devices",
            abstract="An inductive charging pad transfers power to a phone without wires.",
            claims=("A charging pad comprising an inductive coil and a controller.",
                    "The pad of claim 1 wherein the coil is a planar spiral."),
            description="The pad charges a battery. Wireless power transfer is efficient.",
            published=date(2008, 1, 1), cpc=["H02J50/10", "H04B5/0037"], ipc=["H02J7/02"],
            applicants=["Acme Power Inc."], inventors=["Smith, Jane", "Doe, John"],
            citations=[Citation("US6000001A", "examiner")], family_id="F1",
        ),
        make_record(
            "EP 3 383 757 B1", "Screw-type closure with magnetic feature",
            abstract="A closure system uses magnets to bias an overshell.",
            claims=("A container-closure system comprising a container and a closure.",
                    "The system of claim 1 wherein the closure comprises magnets."),
            description="Ferromagnetic elements sit below the threads.",
            published=date(2021, 7, 7), cpc=["B65D51/18"], ipc=["B65D51/18"],
            assignees=["ELC Management LLC"], inventors=["Jacob, Christophe"],
            citations=[Citation("US20070204872A1", "examiner"), Citation("US7314354B2", "applicant")],
        ),
        make_record(
            "US2013/0014212 A1", "Charging station with charger cable management",
            abstract="A station charges electric vehicles; the charger cable retracts.",
            claims=("A charging station comprising a cable reel.",),
            description="Wireless operation is not needed here; the cable charging path is wired.",
            published=date(2013, 1, 10), cpc=["H02J7/0042", "B60L53/18"],
            applicants=["Volt Stations GmbH"], inventors=["Muller, Hans"], family_id="F1",
        ),
        make_record(
            "US 8,147,483 B2", "Key derivation for secure messaging",
            abstract="Cryptographic keys are derived from a shared secret.",
            claims=("A method comprising deriving a session key from a shared secret.",),
            description="Key derivation functions protect wireless links.",
            published=date(2012, 3, 27), cpc=["H04L9/0861"], ipc=["H04L9/08"],
            assignees=["Cipher Corp"], inventors=["Smith, Jane"],
        ),
    ]


ENGINES = ["whoosh", "tantivy"]


# Tests that compare results must not fail because a loaded CI machine made a search slower than the production
# budget (1 s, wall time); the budget itself is tested in test_attack_queries.py, with CPU time.
RESULTS_NOT_TIMING = 120.0


@pytest.fixture(params=ENGINES)
def engine(request) -> str:
    """Every test that takes `engine` runs once per search engine."""
    return request.param


@pytest.fixture
def indexes_for(engine):
    """indexes_for(root) -> SearchIndexes serving every collection with this test's engine."""
    from app.patents.search.backends import SearchIndexes

    def make(root) -> SearchIndexes:
        return SearchIndexes(root=str(root), engines={"*": engine}, time_budget=RESULTS_NOT_TIMING)
    return make


def add_records(indexes, collection: str, records) -> None:
    indexes.backend_for(collection).add(collection, records)
