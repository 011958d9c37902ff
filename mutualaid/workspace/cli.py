"""``flask --app mutualaid import needs|offers|people FILE --as EMAIL``: the CSV import from
the command line, with a progress line and per-row errors; commits once at the end."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from mutualaid.accounts import find_by_email
from mutualaid.extensions import db
from mutualaid.workspace import csv_common, csvio


@click.command("import")
@click.argument("kind", type=click.Choice(list(csvio.IMPORT_KINDS)))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "actor_email", required=True, help="Email of the coordinator importing.")
@with_appcontext
def import_csv(kind: str, path: Path, actor_email: str) -> None:
    """Import needs, offers (idempotent by external_id) or people (by email/phone) from CSV."""
    actor = find_by_email(db.session, actor_email)
    if actor is None or not actor.is_coordinator:
        raise click.ClickException(f"{actor_email} is not a coordinator or admin")
    try:
        rows = csv_common.read_rows(path.read_bytes(), kind)
    except csv_common.ImportFileError as exc:
        raise click.ClickException(str(exc)) from None
    locate = csv_common.prelocate(db.session, rows, db.session.commit)

    def progress(report: csv_common.ImportReport) -> None:
        if report.done % 100 == 0 or report.done == report.total:
            click.echo(f"\r{report.done}/{report.total} rows", nl=report.done == report.total)

    report = csvio.import_rows(
        db.session,
        actor,
        kind,
        rows,
        passwords=current_app.extensions["passwords"],
        locate=locate,
        progress=progress,
    )
    db.session.commit()
    click.echo(
        f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.errors)} errors"
    )
    for line, message in report.errors:
        click.echo(f"line {line}: {message}", err=True)
