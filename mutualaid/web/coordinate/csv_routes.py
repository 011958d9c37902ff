"""CSV export (streamed, privacy-aware) and import (idempotent, per-row errors)."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    render_template,
    request,
    stream_with_context,
)

from mutualaid.audit import record_audit
from mutualaid.extensions import db
from mutualaid.geo.geocoding import GeocodeError, GeocodeUnavailable, current_geocoder
from mutualaid.i18n import _
from mutualaid.locations import found, pending
from mutualaid.web.access import coordinator_required
from mutualaid.web.coordinate import bp
from mutualaid.web.coordinate.common import me
from mutualaid.workspace import csvio

MAX_UPLOAD = 5 * 1024 * 1024


@bp.route("/csv")
@coordinator_required
def csv_page():
    return render_template("coordinate/csv.html", report=None)


@bp.route("/csv/export/<kind>.csv")
@coordinator_required
def export(kind: str):
    if kind not in csvio.EXPORTS:
        abort(404)
    viewer = me()
    record_audit(db.session, viewer, "csv.exported", None, {"kind": kind})
    db.session.commit()
    rows = csvio.EXPORTS[kind](db.session, viewer)
    return Response(
        stream_with_context(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="mutualaid-{kind}.csv"'},
    )


def locate(text: str):
    """Resolve an imported location with the app's geocoder (cache first)."""
    try:
        place = current_geocoder().geocode(db.session, text)
    except GeocodeUnavailable:
        return pending(text)  # kept; the retry job looks it up later
    except GeocodeError as exc:
        raise csvio.LocateError(str(getattr(exc, "message", exc))) from None
    return found(text, place, current_app.config["MUTUALAID"].grid_cell_m)


@bp.route("/csv/import", methods=["POST"])
@coordinator_required
def import_csv():
    kind = request.form.get("kind", "")
    upload = request.files.get("file")
    if kind not in ("needs", "offers"):
        flash(_("Choose what the file holds: needs or offers."), "error")
        return render_template("coordinate/csv.html", report=None), 400
    if upload is None or not upload.filename:
        flash(_("Choose a CSV file to import."), "error")
        return render_template("coordinate/csv.html", report=None), 400
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        flash(_("The file is larger than 5 MB; split it."), "error")
        return render_template("coordinate/csv.html", report=None), 400
    try:
        rows = csvio.read_rows(data, kind)
    except csvio.ImportFileError as exc:
        flash(str(exc), "error")
        return render_template("coordinate/csv.html", report=None), 400
    report = csvio.import_rows(
        db.session,
        me(),
        kind,
        rows,
        passwords=current_app.extensions["passwords"],
        locate=locate,
    )
    db.session.commit()
    return render_template("coordinate/csv.html", report=report)
