"""Gaps, map, metrics and the audit log (read-only views)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from flask import abort, render_template, request

from mutualaid.audit import record_audit
from mutualaid.extensions import db
from mutualaid.i18n import _
from mutualaid.policy import sees_exact
from mutualaid.web.access import coordinator_required
from mutualaid.web.coordinate import map_page
from mutualaid.web.coordinate.blueprint import bp
from mutualaid.web.coordinate.common import arg_id, me, page_arg
from mutualaid.workspace import reports
from mutualaid.workspace.charts import bar_chart
from mutualaid.workspace.metrics import report as metrics_report

AUDIT_PAGE = 100


@bp.route("/gaps")
@coordinator_required
def gaps():
    return render_template("coordinate/gaps.html", gaps=reports.gaps(db.session, me()))


@bp.route("/map")
@coordinator_required
def map():
    areas = reports.areas_for(db.session, me())
    area_id = arg_id("area")
    area = next((a for a in areas if a.id == area_id), areas[0] if areas else None)
    if area_id is not None and (area is None or area.id != area_id):
        abort(404)
    # Snapped positions for everyone; exact ones on request for the area's coordinators
    # (sees_exact), recorded in the audit log like opening a need's exact address.
    can_exact = area is not None and sees_exact(me(), area.id)
    exact = can_exact and request.args.get("exact") == "1"
    view = reports.map_view(db.session, area, exact=exact) if area is not None else None
    if exact:
        record_audit(db.session, me(), "map.viewed_exact", area)
        db.session.commit()
    return map_page.render(areas, area, view, can_exact)


@bp.route("/metrics")
@coordinator_required
def metrics():
    days = request.args.get("days", 84, type=int) or 84
    days = min(max(days, 1), 3650)
    areas = reports.areas_for(db.session, me())
    area_id = request.args.get("area", type=int)
    area = next((a for a in areas if a.id == area_id), None)
    if area_id is not None and area is None:
        abort(404)
    report = metrics_report(
        db.session,
        me(),
        days=days,
        area_id=area_id,
        area_names={a.id: a.name for a in areas},
        total_label=area.name if area else _("All my areas"),
    )
    weeks = report.weeks
    labels = [cast(datetime, w.key).strftime("%m/%d") for w in weeks]  # a week's key: its start
    charts = {
        "needs": bar_chart(
            [float(w.needs) for w in weeks], labels, [float(w.unmatched) for w in weeks]
        ),
        "invite": bar_chart([w.to_invite.median for w in weeks], labels),
        "sms": bar_chart(
            [100 * w.sms_delivery_rate if w.sms_delivery_rate is not None else None for w in weeks],
            labels,
            top=100.0,
        ),
    }
    return render_template(
        "coordinate/metrics.html",
        report=report,
        days=days,
        areas=areas,
        area=area,
        charts=charts,
        longest=report.longest,
    )


@bp.route("/audit")
@coordinator_required
def audit():
    action = (request.args.get("action") or "").strip()
    page = page_arg()
    log = reports.audit_log(db.session, me(), action=action, page=page, per_page=AUDIT_PAGE)
    return render_template(
        "coordinate/audit.html",
        rows=log.rows,
        action=action,
        actions=log.actions,
        page=page,
        has_next=log.has_next,
    )
