"""`flask drafts check`: the same JSON as check_draft, and exit code 2 with a clear message on bad input."""
import json

import docx

from app.patents.drafts import check_draft

from .conftest import DEFECTIVE_CLAIMS


def test_json_output_is_exactly_the_check_draft_report(app, tmp_path):
    (tmp_path / "claims.txt").write_text(DEFECTIVE_CLAIMS)
    (tmp_path / "abstract.txt").write_text("A widget. " * 80)
    description = docx.Document()
    description.add_paragraph("The lever 12 turns the hinge 14.")
    description.save(tmp_path / "description.docx")
    result = app.test_cli_runner().invoke(args=[
        "drafts", "check", "--claims", str(tmp_path / "claims.txt"), "--abstract", str(tmp_path / "abstract.txt"),
        "--title", "Folding widget", "--description", str(tmp_path / "description.docx"), "--entity", "small",
        "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == check_draft(DEFECTIVE_CLAIMS, abstract="A widget. " * 80,
                                                    title="Folding widget", entity="small",
                                                    description="The lever 12 turns the hinge 14.")


def test_text_output_lists_findings(app, tmp_path):
    (tmp_path / "claims.txt").write_text(DEFECTIVE_CLAIMS)
    result = app.test_cli_runner().invoke(args=["drafts", "check", "--claims", str(tmp_path / "claims.txt")])
    assert result.exit_code == 0
    assert "ERROR    [claims_numbering] claim 4:" in result.output


def test_unreadable_input_exits_2_with_the_reason_on_stderr(app, tmp_path):
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["drafts", "check", "--claims", str(tmp_path / "nope.txt"), "--json"])
    assert missing.exit_code == 2 and missing.stdout == ""
    assert "Cannot read the claims file" in missing.stderr and "No such file" in missing.stderr

    (tmp_path / "claims.txt").write_text("There are no numbered claims in this text.")
    unparseable = runner.invoke(args=["drafts", "check", "--claims", str(tmp_path / "claims.txt"), "--json"])
    assert unparseable.exit_code == 2 and unparseable.stdout == "" and unparseable.stderr.startswith("Error: ")

    (tmp_path / "claims.pdf").write_bytes(b"%PDF-1.4")
    wrong_type = runner.invoke(args=["drafts", "check", "--claims", str(tmp_path / "claims.pdf")])
    assert wrong_type.exit_code == 2 and ".txt or .docx" in wrong_type.stderr
