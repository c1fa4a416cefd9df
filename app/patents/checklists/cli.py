"""`flask --app wsgi drafts check`: the automatic draft checks from the command line, as JSON or text."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask

from ..drafts import DraftInputError, check_draft, read_text

UNREADABLE_INPUT = 2


def _read_file(path: str | None, what: str) -> str | None:
    if path is None:
        return None
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise DraftInputError(f"Cannot read the {what} file '{path}': {error.strerror or error}.") from error
    return read_text(Path(path).name, data)


def _print_text_report(report: dict) -> None:
    claims = report["claims"]
    click.echo(f"{claims['total']} claims ({claims['independent']} independent, "
               f"{claims['multiple_dependent']} multiple dependent)")
    for finding in report["findings"]:
        where = f"claim {finding['claim']}: " if finding["claim"] is not None else ""
        click.echo(f"{finding['severity'].upper():8} [{finding['item']}] {where}{finding['message']}")
    if not report["findings"]:
        click.echo("No findings.")
    fees = report["fees"]
    click.echo(f"Excess claims fees ({fees['entity']} entity, effective {fees['effective_date']}): "
               f"{fees['currency']} {fees['total']:,.2f}")


def init_app(app: Flask) -> None:
    @app.cli.group()
    def drafts():
        """Automatic checks on patent application drafts."""

    @drafts.command("check")
    @click.option("--claims", "claims_path", required=True, help="The claims, as a .txt or .docx file.")
    @click.option("--abstract", "abstract_path", help="The abstract, as a .txt or .docx file.")
    @click.option("--title", help="The title, as text.")
    @click.option("--description", "description_path", help="The description, as a .txt or .docx file.")
    @click.option("--entity", type=click.Choice(["large", "small", "micro"]), default="large", show_default=True)
    @click.option("--json", "as_json", is_flag=True, help="Print check_draft's JSON report and nothing else.")
    def check(claims_path, abstract_path, title, description_path, entity, as_json):
        """Check claims (and optionally abstract, title, description); exit code 2 on unreadable input."""
        try:
            report = check_draft(_read_file(claims_path, "claims"), abstract=_read_file(abstract_path, "abstract"),
                                 title=title, description=_read_file(description_path, "description"),
                                 entity=entity)
        except DraftInputError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(UNREADABLE_INPUT)
        if as_json:
            click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        else:
            _print_text_report(report)
