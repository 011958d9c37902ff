"""Declaring API operations once: the route, its input and output models, its errors.

``@operation(...)`` registers a Flask route on the API blueprint and records an
:class:`Operation`; the OpenAPI document is built from those records, and the wrapper
validates the query and body with the very models it publishes. A view receives the
authenticated person and the parsed models and returns a response model (or None for 204).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Response, json, request
from pydantic import BaseModel, ValidationError

from mutualaid.i18n import _
from mutualaid.web.api.auth import require_person
from mutualaid.web.api.blueprint import bp
from mutualaid.web.api.problems import ApiProblem, validation_problem
from mutualaid.web.api.schemas import MAX_ID

MAX_BODY = 64 * 1024


@dataclass
class Operation:
    path: str  # OpenAPI form, e.g. /needs/{need_id}
    method: str
    operation_id: str
    summary: str
    description: str
    tag: str
    status: int
    response: type[BaseModel] | None
    body: type[BaseModel] | None = None
    body_required: bool = True
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    path_params: tuple[str, ...] = field(default_factory=tuple)
    location_template: str | None = None  # e.g. "/needs/{id}": the Location of a created resource


OPERATIONS: list[Operation] = []


def _flask_rule(path: str) -> tuple[str, tuple[str, ...]]:
    params = tuple(re.findall(r"{(\w+)}", path))
    return re.sub(r"{(\w+)}", r"<int:\1>", path), params


def operation(
    path: str,
    method: str,
    *,
    summary: str,
    response: type[BaseModel] | None,
    status: int = 200,
    body: type[BaseModel] | None = None,
    body_required: bool = True,
    query: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    tag: str = "",
    location_template: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        rule, params = _flask_rule(path)
        op = Operation(
            path=path,
            method=method.lower(),
            operation_id=view.__name__,
            summary=summary,
            description=(view.__doc__ or "").strip(),
            tag=tag or path.strip("/").split("/")[0],
            status=status,
            response=response,
            body=body,
            body_required=body_required,
            query=query,
            errors=errors,
            path_params=params,
            location_template=location_template,
        )
        OPERATIONS.append(op)

        @functools.wraps(view)
        def wrapped(**path_args: int) -> Response:
            me = require_person()
            if any(not 1 <= v <= MAX_ID for v in path_args.values()):
                raise ApiProblem(404, "not-found")  # no such id can exist
            kwargs: dict[str, Any] = dict(path_args)
            if query is not None:
                kwargs["query"] = parse_query(query)
            if body is not None:
                kwargs["body"] = parse_body(body, required=body_required)
            result = view(me, **kwargs)
            if result is None:
                return Response(status=204)
            payload = result.model_dump(mode="json")
            response = Response(json.dumps(payload), status=status, mimetype="application/json")
            if location_template:
                location = location_template.format(**payload)
                response.headers["Location"] = (bp.url_prefix or "") + location
            return response

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapped, methods=[method.upper()])
        return wrapped

    return decorate


def parse_query(model: type[BaseModel]) -> BaseModel:
    raw = {key: request.args.get(key) for key in request.args}
    unknown = set(raw) - set(model.model_fields)
    data = {k: v for k, v in raw.items() if k not in unknown}
    try:
        parsed = model.model_validate(data, strict=False)
    except ValidationError as exc:
        raise validation_problem(exc, where="query") from None
    return parsed


def parse_body(model: type[BaseModel], *, required: bool) -> BaseModel | None:
    raw = request.get_data(cache=True)
    if not raw.strip():
        if not required:
            return model()
        raise ApiProblem(
            422,
            "validation-error",
            _("A JSON body is required."),
            errors=[{"pointer": "", "field": "", "detail": _("Send a JSON object.")}],
        )
    if len(raw) > MAX_BODY:
        raise ApiProblem(413, "malformed-request", _("The request body is too large."))
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiProblem(415, "unsupported-media-type")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiProblem(400, "malformed-request") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_problem(exc) from None
    except RecursionError:
        raise ApiProblem(400, "malformed-request") from None
