"""The JSON API at /api/v1: bearer tokens, problem documents, rate limits, OpenAPI.

``init_api(app)`` registers the blueprint, exempts it from CSRF (it never reads cookies),
and binds the rate limiter (in memory, or the storage RATELIMIT_STORAGE_URL names).
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_api(app: Flask) -> None:
    from mutualaid.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
    limiter.init_app(app)


from mutualaid.web.api import meta, needs, offers, pods  # noqa: E402,F401
from mutualaid.web.api.auth import limiter, rate_limit_value  # noqa: E402

limiter.limit(rate_limit_value)(bp)
from mutualaid.web.api.problems import ApiProblem, problem_response  # noqa: E402


@bp.errorhandler(ApiProblem)
def _problem(exc: ApiProblem):
    return problem_response(exc)
