"""RFC 9457 problem documents for the API: one exception type, one response builder, and
the conversion of pydantic and domain validation errors into field-level details."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, json
from pydantic import ValidationError

from mutualaid.i18n import _l

PROBLEM_MEDIA_TYPE = "application/problem+json"
DOCS = "/api/v1/docs"

# type URI (relative to the API's docs page) -> title
TYPES = {
    "validation-error": _l("Your request has invalid fields"),
    "malformed-request": _l("The request body is not valid JSON"),
    "unsupported-media-type": _l("Send JSON with Content-Type: application/json"),
    "unauthorized": _l("A valid API token is required"),
    "forbidden": _l("You are not allowed to do that"),
    "not-found": _l("Not found"),
    "conflict": _l("That cannot happen now"),
    "rate-limited": _l("Too many requests; please wait a moment"),
}


class ApiProblem(Exception):
    """Raise anywhere in an API view; becomes a problem response."""

    def __init__(
        self,
        status: int,
        kind: str,
        detail: object = None,
        *,
        errors: Sequence[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ):
        super().__init__(str(detail or kind))
        self.status = status
        self.kind = kind
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.headers = headers or {}
        self.extra = extra


def problem_body(
    status: int,
    kind: str | None,
    detail: object = None,
    errors: list[dict[str, str]] | None = None,
    title: object = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"{DOCS}#{kind}" if kind else "about:blank",
        "title": str(title or TYPES.get(kind or "", "") or _l("Error")),
        "status": status,
    }
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def problem_response(exc: ApiProblem) -> Response:
    body = problem_body(exc.status, exc.kind, exc.detail, exc.errors, **exc.extra)
    response = Response(json.dumps(body), status=exc.status, mimetype=PROBLEM_MEDIA_TYPE)
    for key, value in exc.headers.items():
        response.headers[key] = value
    return response


def field_error(location: Iterable[str | int], detail: object) -> dict[str, str]:
    parts = [str(p) for p in location]
    pointer = "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)
    return {"pointer": pointer, "field": ".".join(parts), "detail": str(detail)}


def validation_problem(exc: ValidationError, *, where: str = "body") -> ApiProblem:
    """Field errors from pydantic. Union branches (a location is either a point or a
    query) are reported under the field itself, not under pydantic's branch names."""
    errors, seen = [], set()
    for err in exc.errors(include_url=False, include_input=False):
        loc = [p for p in err["loc"] if not _is_branch_name(p)]
        item = field_error(loc, err["msg"])
        if (item["pointer"], item["detail"]) in seen:
            continue
        seen.add((item["pointer"], item["detail"]))
        errors.append(item)
    detail = _l("Check the request body.") if where == "body" else _l("Check the query.")
    return ApiProblem(422, "validation-error", detail, errors=errors)


def _is_branch_name(part: object) -> bool:
    return isinstance(part, str) and (part[:1].isupper() or part.startswith("function-"))


def domain_problem(message: object, field: str | None, *, prefix: str = "") -> ApiProblem:
    """A rule the domain enforced (NeedError, OfferError...) as a 422 with its field."""
    if field:
        name = f"{prefix}{field}" if prefix else field
        return ApiProblem(
            422, "validation-error", message, errors=[field_error(name.split("."), message)]
        )
    return ApiProblem(409, "conflict", message)
