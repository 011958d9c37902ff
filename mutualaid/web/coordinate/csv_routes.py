"""CSV export (streamed, privacy-aware) and import (idempotent, per-row errors)."""

from __future__ import annotations

import logging

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from mutualaid import queue
from mutualaid.audit import record_audit
from mutualaid.extensions import db
from mutualaid.i18n import _
from mutualaid.models import Person
from mutualaid.web.access import coordinator_required
from mutualaid.web.coordinate.blueprint import bp
from mutualaid.web.coordinate.common import me
from mutualaid.workspace import csv_common, csvio, import_jobs

MAX_UPLOAD = 5 * 1024 * 1024
log = logging.getLogger(__name__)


def _csv_page() -> str:
    return render_template("coordinate/csv.html", jobs=import_jobs.recent(db.session, me()))


@bp.route("/csv")
@coordinator_required
def csv_page():
    return _csv_page()


@bp.route("/csv/export/<kind>.csv")
@coordinator_required
def export(kind: str):
    if kind not in csvio.EXPORTS:
        abort(404)
    viewer = me()
    record_audit(db.session, viewer, "csv.exported", None, {"kind": kind})
    db.session.commit()
    viewer_id = viewer.id

    def rows():
        # The body streams after this view returns, when the request's session (and the
        # viewer loaded in it) is gone: load the viewer again in the streaming context.
        streaming_viewer = db.session.get(Person, viewer_id)
        assert streaming_viewer is not None  # the viewer of this very request
        yield from csvio.EXPORTS[kind](db.session, streaming_viewer)

    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="mutualaid-{kind}.csv"'},
    )


@bp.route("/csv/import", methods=["POST"])
@coordinator_required
def import_csv():
    """Store the upload as a job for the worker and send the coordinator to its progress page
    (mutualaid.workspace.import_jobs); file-wide problems are answered at once."""
    kind = request.form.get("kind", "")
    upload = request.files.get("file")
    if kind not in csvio.IMPORT_KINDS:
        flash(_("Choose what the file holds: needs, offers or people."), "error")
        return _csv_page(), 400
    if upload is None or not upload.filename:
        flash(_("Choose a CSV file to import."), "error")
        return _csv_page(), 400
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        flash(_("The file is larger than 5 MB; split it."), "error")
        return _csv_page(), 400
    try:
        job = import_jobs.start_import(db.session, me(), kind, upload.filename, data)
    except csv_common.ImportFileError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _csv_page(), 400
    db.session.commit()
    job_id = job.id
    try:
        queue.enqueue("csv_import", job_id)  # inline when memory:// (tests), else the worker
    except Exception:  # queue down: resume_csv_imports picks the job up within minutes
        log.exception("could not enqueue csv import %s", job_id)
    return redirect(url_for("coordinate.import_job", job_id=job_id), 303)


@bp.route("/csv/imports/<int:job_id>")
@coordinator_required
def import_job(job_id: int):
    job = import_jobs.visible_job(db.session, me(), job_id)
    if job is None:
        abort(404)
    return render_template("coordinate/csv_import.html", job=job)
