"""The coordinators' workspace (staff only): queue, need detail, pods, people, gaps, map,
metrics, CSV, audit log and the SMS inbox."""

from mutualaid.web.coordinate import (  # noqa: F401  (registers the views on bp)
    csv_routes,
    inbox_routes,
    people_routes,
    pods_routes,
    reports_routes,
    routes,
)
from mutualaid.web.coordinate.blueprint import bp
from mutualaid.web.coordinate.common import workspace_endpoints

bp.context_processor(workspace_endpoints)

__all__ = ["bp"]
