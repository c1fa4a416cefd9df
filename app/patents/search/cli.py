"""`flask patents import` and `flask search query|similar|reindex`: prior-art search's stable command-line interface."""
from __future__ import annotations

import json
import os
import sys
from contextlib import nullcontext
from datetime import date

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from ...extensions import db
from ...models import Tenant
from ...tenancy import tenant_scope
from .backends import SearchStopped
from .corpus import (
    PUBLIC,
    ImportSummary,
    import_file,
    indexes,
    reindex_everything,
    schedule_indexing,
    tenant_collection,
)
from .engine import search, similar
from .query import QuerySyntaxError

patents_cli = AppGroup("patents", help="Patent documents: import into the public corpus or a firm's collection.")
search_cli = AppGroup("search", help="Prior-art search from the command line.")


def _tenant_by_slug(slug: str) -> Tenant:
    tenant = db.session.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()
    if tenant is None:
        raise click.BadParameter(f"no firm with slug {slug!r} (use 'public' for the public corpus)",
                                 param_hint="--collection")
    return tenant


def _collections(names: tuple[str, ...]) -> list[str]:
    return [PUBLIC if name == PUBLIC else tenant_collection(_tenant_by_slug(name).id) for name in names or (PUBLIC,)]


def _parse_day(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD") from None


@patents_cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--collection", default=PUBLIC, show_default=True,
              help="'public' for the shared corpus, or a firm's slug for its private collection.")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"imported", "updated", "failed", "warnings", "skipped"} as JSON.')
def import_command(files, collection, as_json):
    """Import patent files (USPTO/EPO XML, JSONL, CSV); re-importing a number updates it. Then index them."""
    tenant = None if collection == PUBLIC else _tenant_by_slug(collection)
    summary = ImportSummary()
    total_bytes = sum(os.path.getsize(path) for path in files)
    with tenant_scope(tenant.id) if tenant else nullcontext():
        with click.progressbar(length=total_bytes, label="Importing", file=sys.stderr) as bar:
            done = 0
            for path in files:
                with open(path, "rb") as stream:
                    position = [0]

                    def advance(_seen, stream=stream, position=position):
                        bar.update(stream.tell() - position[0])
                        position[0] = stream.tell()

                    import_file(stream, private=tenant is not None, display_name=os.path.basename(path),
                                on_progress=advance, summary=summary)
                done += os.path.getsize(path)
                bar.update(done - bar.pos)
        db.session.commit()
        schedule_indexing(summary.numbers, tenant.id if tenant else None)
        db.session.commit()
    if as_json:
        click.echo(json.dumps(summary.as_dict()))
    else:
        click.echo(summary.message)
        for failure in summary.failed:
            click.echo(f"  {failure['file']} document/line {failure['position']}: {failure['error']}")
        for warned in summary.warnings:
            click.echo(f"  {warned['file']} document/line {warned['position']} ({warned['number']}) imported, "
                       f"{warned['warning']}")


def _print_result(result, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"total": result.total, "hits": [
            {"number": hit.number, "score": round(hit.score, 4), "title": hit.title,
             "publication_date": hit.publication_date.isoformat() if hit.publication_date else None}
            for hit in result.hits]}))
        return
    click.echo(f"{result.total} hits")
    for rank, hit in enumerate(result.hits, start=1):
        published = hit.publication_date.isoformat() if hit.publication_date else "undated"
        extra = f"  [{', '.join(hit.terms)}]" if hit.terms else ""
        click.echo(f"{rank:3}. {hit.number:18} {published}  {hit.score:7.2f}  {hit.title[:70]}{extra}")


_common = [
    click.option("--before", callback=_parse_day, help="Only documents published before this date (YYYY-MM-DD)."),
    click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000)),  # engine.MAX_RESULT_WINDOW
    click.option("--collection", "collections", multiple=True,
                 help="'public' (default) or a firm's slug; repeat to search several."),
    click.option("--json", "as_json", is_flag=True, help='Print {"total", "hits": [...]} as JSON.'),
]


def _with_common(command):
    for option in reversed(_common):
        command = option(command)
    return command


@search_cli.command("query")
@click.argument("query")
@_with_common
@click.pass_context
def query_command(ctx, query, before, limit, collections, as_json):
    """Run a query in the query language (see the help page in the web app)."""
    try:
        result = search(indexes(), query, before, _collections(collections), limit)
    except QuerySyntaxError as error:
        click.echo(f"Query syntax error: {error} (0-based)", err=True)
        click.echo(f"  {query}\n  {' ' * error.position}^", err=True)
        ctx.exit(2)
    except SearchStopped as stopped:
        click.echo(str(stopped), err=True)
        ctx.exit(2)
    _print_result(result, as_json)


@search_cli.command("similar")
@click.option("--text-file", required=True, type=click.File("r", encoding="utf-8"),
              help="A claim or disclosure to find similar documents for ('-' reads standard input).")
@_with_common
@click.pass_context
def similar_command(ctx, text_file, before, limit, collections, as_json):
    """Rank documents by the distinctive terms of a pasted claim or disclosure."""
    try:
        result = similar(indexes(), text_file.read(), before, _collections(collections), limit)
    except (ValueError, SearchStopped) as problem:
        click.echo(str(problem), err=True)
        ctx.exit(2)
    _print_result(result, as_json)


@search_cli.command("reindex")
def reindex_command():
    """Rebuild the whole index from the database (public corpus and every firm's collection)."""
    count = reindex_everything()
    click.echo(f"Re-indexed {count} documents into {indexes().root}.")


def register_commands(app: Flask) -> None:
    app.cli.add_command(patents_cli)
    app.cli.add_command(search_cli)
