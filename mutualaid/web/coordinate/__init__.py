"""The coordinators' workspace (staff only): queue, need detail, pods, people, gaps, map,
metrics, CSV, audit log and the SMS inbox."""

from flask import Blueprint

bp = Blueprint("coordinate", __name__, url_prefix="/coordinate")

from mutualaid.web.coordinate import (  # noqa: E402,F401
    csv_routes,
    inbox_routes,
    people_routes,
    pods_routes,
    reports_routes,
    routes,
)
from mutualaid.web.coordinate.common import workspace_endpoints  # noqa: E402

bp.context_processor(workspace_endpoints)
