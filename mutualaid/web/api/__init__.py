"""The JSON API at /api/v1: bearer tokens, problem documents, rate limits, OpenAPI.

``init_api(app)`` registers the blueprint, exempts it from CSRF (it never reads cookies),
and binds the rate limiter (in memory, or the storage RATELIMIT_STORAGE_URL names).
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_api(app: Flask) -> None:
    from mutualaid.extensions import csrf
    from mutualaid.web.api.auth import make_limiter

    csrf.exempt(bp)
    app.register_blueprint(bp)
    make_limiter(app)


from mutualaid.web.api import meta, needs, offers, pods  # noqa: E402,F401
from mutualaid.web.api.problems import ApiProblem, problem_response  # noqa: E402


@bp.errorhandler(ApiProblem)
def _problem(exc: ApiProblem):
    return problem_response(exc)
