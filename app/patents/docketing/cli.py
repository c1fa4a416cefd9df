"""`flask deadlines ...`: preview the engine's deadlines and mark missed ones, from the command line."""
from __future__ import annotations

import json
import sys

import click
from flask import Flask

from ..deadlines import RuleError, events, preview, vocabulary_markdown


def parse_params(pairs) -> dict:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise RuleError(f"parameter {pair!r} must look like key=value")
        params[key.strip()] = value.strip()
    return params


def init_app(app: Flask) -> None:
    @app.cli.group()
    def deadlines():
        """Deadline rules engine."""

    @deadlines.command("preview")
    @click.option("--jurisdiction", required=True, help="US, EP or PCT")
    @click.option("--event", "event_code", required=True, help="event code, e.g. NONFINAL_OA")
    @click.option("--date", "event_date", required=True, help="event date, YYYY-MM-DD")
    @click.option("--param", "params", multiple=True, help="event parameter key=value (repeatable)")
    @click.option("--json", "as_json", is_flag=True, help="print one JSON object")
    def preview_command(jurisdiction, event_code, event_date, params, as_json):
        """Show the deadlines an event would produce, with citations and arithmetic."""
        try:
            result = preview(jurisdiction, event_code, event_date, parse_params(params))
        except RuleError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)
        if as_json:
            click.echo(json.dumps(result, indent=2))
            return
        click.echo(f"{result['jurisdiction']} {result['event']} of {result['date']}:")
        for d in result["deadlines"]:
            sequence = f" #{d['sequence']}" if d.get("sequence") else ""
            final = f", final {d['final_due']}" if d.get("final_due") else ""
            click.echo(f"\n  {d['kind']}{sequence}: due {d['due']}{final}   [{d['citation']}]")
            for line in d["explanation"]:
                click.echo(f"    - {line}")

    @deadlines.command("events")
    @click.option("--jurisdiction", help="US, EP or PCT")
    @click.option("--json", "as_json", is_flag=True, help="print one JSON list")
    @click.option("--markdown", is_flag=True, help="print the README vocabulary of every jurisdiction")
    def events_command(jurisdiction, as_json, markdown):
        """List the events of a jurisdiction, their parameters and the cited rules they fire."""
        if markdown:
            click.echo(vocabulary_markdown(), nl=False)
            return
        if not jurisdiction:
            click.echo("error: give --jurisdiction (or --markdown)", err=True)
            sys.exit(2)
        try:
            listing = events(jurisdiction)
        except RuleError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)
        if as_json:
            click.echo(json.dumps(listing, indent=2))
            return
        for ev in listing:
            click.echo(f"{ev['event']}: {ev['description']}")
            for p in ev["parameters"]:
                click.echo(f"    param {p['name']} ({p['type']}{', required' if p['required'] else ''}): "
                           f"{p['description']}")
            for r in ev["rules"]:
                when = "".join(f" when {k}={'|'.join(v) if isinstance(v, list) else v}" for k, v in r["when"].items())
                until = f" until {r['effective_until']}" if r["effective_until"] else ""
                click.echo(f"    -> {r['kind']}{when}: {r['period']}  [{r['citation']}; "
                           f"in force from {r['effective_from']}{until}]")

    @deadlines.command("mark-missed")
    def mark_missed():
        """Mark open deadlines whose last day has passed (each firm's local date) as missed."""
        from ...extensions import db
        from ...models import Tenant
        from ...tenancy import tenant_scope
        from .operations import mark_missed as mark
        from .queries import tenant_today
        total = 0
        for tenant in db.session.query(Tenant).all():
            with tenant_scope(tenant.id):
                total += mark(tenant_today(tenant))
                db.session.commit()
        click.echo(f"{total} deadline(s) marked missed.")
