"""The JSON API at /api/v1: bearer tokens, problem documents, rate limits, OpenAPI.

``init_api(app)`` registers the blueprint, exempts it from CSRF (it never reads cookies),
and binds the rate limiter (in memory, or the storage RATELIMIT_STORAGE_URL names).
"""

from __future__ import annotations

from flask import Flask, Response

from mutualaid.extensions import csrf
from mutualaid.web.api import meta, needs, offers, pods  # noqa: F401  (registers the views)
from mutualaid.web.api.auth import make_limiter
from mutualaid.web.api.blueprint import bp
from mutualaid.web.api.problems import ApiProblem, problem_response


@bp.errorhandler(ApiProblem)
def _problem(exc: ApiProblem) -> Response:
    return problem_response(exc)


def init_api(app: Flask) -> None:
    csrf.exempt(bp)
    app.register_blueprint(bp)
    make_limiter(app)


__all__ = ["bp", "init_api"]
