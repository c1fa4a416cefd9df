"""Public API: preview JSON shape, errors, closing events, vocabulary, data
validation and speed."""
import copy
import json
import time
import tomllib
from datetime import date
from importlib import resources

import pytest

from app.patents.deadlines import RuleDataError, RuleError, closed_kinds, compute, preview, vocabulary
from app.patents.deadlines.ruleset import build_ruleset


def test_preview_json_shape():
    p = preview("US", "NONFINAL_OA", "2028-01-31", {})
    assert set(p) == {"jurisdiction", "event", "date", "deadlines"}
    dl = p["deadlines"][0]
    assert set(dl) == {"kind", "sequence", "nominal", "due", "final_nominal", "final_due",
                       "extensions", "citation", "explanation"}
    assert dl["sequence"] is None
    assert dl["extensions"][0] == {"months": 1, "nominal": "2028-05-31", "due": "2028-05-31"}
    json.dumps(p)   # serialisable as is
    m = preview("US", "GRANTED", "2021-08-31", {})["deadlines"][0]
    assert m["window_opens"] == "2024-08-31" and m["sequence"] == 1


def test_computed_deadline_metadata():
    dl = compute("US", "NONFINAL_OA", "2028-01-31", {})[0]
    assert dl.rule_id == "US.OA.NONFINAL" and dl.calendar == "USPTO" and dl.rules_version


@pytest.mark.parametrize("args,message", [
    (("XX", "NONFINAL_OA", "2028-01-31", {}), "unknown jurisdiction 'XX'; known jurisdictions: EP, PCT, US"),
    (("US", "FOO", "2028-01-31", {}), "unknown event 'FOO' for jurisdiction US; known events: "),
    (("US", "NONFINAL_OA", "2028-02-30", {}), "invalid event date '2028-02-30'"),
    (("US", "NONFINAL_OA", "31/01/2028", {}), "invalid event date"),
    (("US", "NONFINAL_OA", "2028-01-31", {"period_months": 3}), "unknown parameter 'period_months' for NONFINAL_OA"),
    (("US", "PRIORITY_FILED", "2028-01-31", {"application_type": "plant"}), "must be one of utility, design"),
    (("PCT", "PCT_FILED", "2024-01-31", {"ipea": "DE"}), "parameter 'ipea' for PCT_FILED must be one of EP, US"),
    (("EP", "PCT_FILED", "2024-01-31", {"priority_date": "2024-02-01"}),
     "cannot be after the international filing date"),
    (("PCT", "PCT_FILED", "2024-01-31", {"isr_date": "2023-12-01"}), "cannot be before"),
    (("US", "PCT_FILED", "2024-01-31", {"priority_date": "yesterday"}), "invalid date for parameter 'priority_date'"),
    (("US", "NONFINAL_OA", "1990-01-31", {}), "no rule in force for US NONFINAL_OA on 1990-01-31"),
])
def test_errors_name_the_problem(args, message):
    with pytest.raises(RuleError) as exc:
        preview(*args)
    assert message in str(exc.value)
    assert isinstance(exc.value, ValueError)


def test_codes_are_case_insensitive_and_choices_normalised():
    assert preview("us", "nonfinal_oa", "2028-01-31", {})["event"] == "NONFINAL_OA"
    dl = compute("PCT", "PCT_FILED", date(2025, 7, 1), {"priority_date": "2024-07-14", "ipea": "us"})[0]
    assert dl.calendar == "USPTO"


def test_closed_kinds():
    assert ("US_OA_REPLY", None) in closed_kinds("RESPONSE_FILED", {})
    assert ("EP_COMMUNICATION_REPLY", None) in closed_kinds("RESPONSE_FILED")
    assert closed_kinds("ISSUE_FEE_PAID") == [("US_ISSUE_FEE", None)]
    assert closed_kinds("MAINTENANCE_FEE_PAID", {"sequence": 2}) == [("US_MAINTENANCE_FEE", 2)]
    assert closed_kinds("RENEWAL_PAID", {"sequence": "7"}) == [("EP_RENEWAL", 7)]
    assert closed_kinds("NONPROVISIONAL_FILED") == [("US_NONPROVISIONAL_FILING", None), ("US_CONVENTION_FILING", None)]
    assert closed_kinds("NATIONAL_STAGE_ENTERED") == [("US_NATIONAL_STAGE", None), ("PCT_NATIONAL_PHASE_US", None)]
    assert closed_kinds("EP_REGIONAL_PHASE_ENTERED") == [("EP_REGIONAL_PHASE", None), ("PCT_NATIONAL_PHASE_EP", None)]
    assert closed_kinds("DEMAND_FILED") == [("PCT_DEMAND", None)]
    assert closed_kinds("IDS_FILED") == [("US_IDS_NO_FEE", None), ("US_IDS_STATEMENT_WINDOW", None)]
    assert closed_kinds("APPEAL_BRIEF_FILED") == [("US_APPEAL_BRIEF", None)]
    assert closed_kinds("EXTENSION_FILED", {"months": 2}) == []
    everything = {k for k, _ in closed_kinds("ABANDONED")}
    assert {"US_OA_REPLY", "EP_RENEWAL", "PCT_DEMAND", "US_MAINTENANCE_FEE"} <= everything


def test_closed_kinds_errors():
    with pytest.raises(RuleError, match="parameter 'sequence' is required for MAINTENANCE_FEE_PAID"):
        closed_kinds("MAINTENANCE_FEE_PAID", {})
    with pytest.raises(RuleError, match="between 1 and 3"):
        closed_kinds("MAINTENANCE_FEE_PAID", {"sequence": 4})
    with pytest.raises(RuleError, match="unknown closing event 'PAID'"):
        closed_kinds("PAID")


SPEC_VOCABULARY = {
    "US": {"PROVISIONAL_FILED", "PRIORITY_FILED", "NONPROVISIONAL_FILED", "NATIONAL_STAGE_ENTERED",
           "NONFINAL_OA", "FINAL_OA", "RESTRICTION", "NOTICE_OF_ALLOWANCE", "MISSING_PARTS",
           "NOTICE_OF_APPEAL", "GRANTED", "PCT_FILED", "ADVISORY_ACTION", "EXAMINERS_ANSWER", "BOARD_DECISION",
           "REHEARING_DECIDED", "QUAYLE_ACTION", "USPTO_NOTICE", "INTERVIEW_HELD", "FOREIGN_CITATION",
           "REEXAM_ORDERED", "TRIAL_FILING_DATE_NOTICE", "TRIAL_FINAL_DECISION"},
    "EP": {"EP_FILED", "EP_COMMUNICATION", "EP_DECISION", "EP_GRANT_MENTIONED", "PCT_FILED", "PRIORITY_FILED",
           "SEARCH_REPORT_PUBLISHED", "R71_3_COMMUNICATION", "LOSS_OF_RIGHTS_COMMUNICATION", "CAUSE_REMOVED",
           "DIVISIONAL_FILED", "UNITARY_EFFECT_REGISTERED"},
    "PCT": {"PRIORITY_FILED", "PCT_FILED"},
}


def test_vocabulary_covers_the_spec():
    v = vocabulary()
    for jur, events in SPEC_VOCABULARY.items():
        assert {e["event"] for e in v["triggering"][jur]} == events
    pct = {e["event"]: e for e in v["triggering"]["PCT"]}["PCT_FILED"]
    assert {p["name"] for p in pct["parameters"]} == {"priority_date", "isr_date", "ipea", "receiving_office",
                                                      "designated_offices"}
    assert "RESPONSE_FILED" in {c["event"] for c in v["closing"]}
    json.dumps(v)


SAMPLE_REQUIRED = {"date": "2025-03-03", "int": 3}


def test_every_event_computes_with_defaults():
    """Every event of the vocabulary computes with its defaults (required parameters get a sample)."""
    for jur, evs in vocabulary()["triggering"].items():
        for ev in evs:
            params = {p["name"]: p.get("min", SAMPLE_REQUIRED[p["type"]]) if p["type"] == "int"
                      else SAMPLE_REQUIRED[p["type"]] for p in ev["parameters"] if p["required"]}
            out = compute(jur, ev["event"], date(2025, 6, 2), params)
            assert all(d.citation and d.explanation and d.due >= d.nominal for d in out), (jur, ev["event"])


def _raw_rules():
    folder = resources.files("app.patents.deadlines") / "rules"
    return {p.name: tomllib.loads(p.read_text()) for p in folder.iterdir() if p.name.endswith(".toml")}


def test_data_rejects_overlapping_effective_ranges():
    files = copy.deepcopy(_raw_rules())
    old = next(r for r in files["us.toml"]["rule"] if r["id"] == "US.RESTRICTION.PRE2013")
    old["effective_until"] = "2013-12-18"       # one day of overlap with the 2013 rule
    with pytest.raises(RuleDataError, match="overlap"):
        build_ruleset(files)


def test_data_rejects_unknown_keys_and_bad_kinds():
    files = copy.deepcopy(_raw_rules())
    files["us.toml"]["rule"][0]["efective_from"] = "2000-01-01"
    with pytest.raises(RuleDataError, match="unknown key"):
        build_ruleset(files)
    files = copy.deepcopy(_raw_rules())
    files["closing.toml"]["closing"][0]["closes"].append("US_NO_SUCH_KIND")
    with pytest.raises(RuleDataError, match="unknown kind"):
        build_ruleset(files)


def test_every_rule_file_is_versioned():
    for name, data in _raw_rules().items():
        assert isinstance(data.get("rules"), str), name


def test_preview_is_fast():
    preview("EP", "PCT_FILED", "2024-01-15", {})          # warm caches
    n = 50
    t = time.perf_counter()
    for _ in range(n):
        preview("US", "NONFINAL_OA", "2028-01-31", {})
        preview("EP", "PCT_FILED", "2024-01-15", {})
    per_call = (time.perf_counter() - t) / (2 * n)
    assert per_call < 0.010


def test_readme_vocabulary_is_generated_from_the_rule_data():
    from pathlib import Path

    from app.patents.deadlines import vocabulary_markdown
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- vocabulary:start -->\n", 1)[1].split("<!-- vocabulary:end -->", 1)[0]
    assert block == vocabulary_markdown(), "run: flask --app wsgi deadlines events --markdown, paste into README.md"


def test_an_absurd_event_date_is_the_callers_error():
    with pytest.raises(RuleError, match="after the year 9999"):
        preview("US", "NONFINAL_OA", "9999-12-01", {})
