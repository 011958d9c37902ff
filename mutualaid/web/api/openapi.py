"""The OpenAPI 3.1 document, generated from the operation registry and the pydantic models
the views validate with (JSON Schema 2020-12, which OpenAPI 3.1 uses as is)."""

from __future__ import annotations

import copy
import functools
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from mutualaid.web.api import schemas as s
from mutualaid.web.api.problems import PROBLEM_MEDIA_TYPE
from mutualaid.web.api.registry import OPERATIONS, Operation

REF = "#/components/schemas/{model}"
COMMON_ERRORS = (400, 401, 404, 422, 429)
ERROR_TEXT = {
    400: "Malformed request (e.g. the body is not JSON)",
    401: "No valid token (see the WWW-Authenticate header)",
    403: "Authenticated, but not allowed",
    404: "Not found, or not yours to know about",
    409: "Not possible in the current state",
    413: "Body too large",
    415: "The body is not JSON",
    422: "Validation failed; ``errors`` lists the fields",
    429: "Rate limit reached; see Retry-After",
}


def _models() -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    pairs: list[tuple[type[BaseModel], JsonSchemaMode]] = []
    for op in OPERATIONS:
        if op.body is not None:
            pairs.append((op.body, "validation"))
        if op.query is not None:
            pairs.append((op.query, "validation"))
        if op.response is not None:
            pairs.append((op.response, "serialization"))
    pairs.append((s.Problem, "serialization"))
    return list(dict.fromkeys(pairs))


def _query_parameters(model: type[BaseModel], schema: dict[str, Any]) -> list[dict[str, Any]]:
    params = []
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    for name in model.model_fields:
        prop = copy.deepcopy(props[name])
        description = prop.pop("description", None)
        prop.pop("title", None)
        param: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
        }
        if description:
            param["description"] = description
        params.append(param)
    return params


def _problem_response(code: int) -> dict[str, Any]:
    return {
        "description": ERROR_TEXT.get(code, "Error"),
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": REF.format(model="Problem")}}},
    }


def _operation(op: Operation, refs: dict, defs: dict) -> dict[str, Any]:
    out: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
    }
    if op.description:
        out["description"] = op.description
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": s.MAX_ID},
        }
        for name in op.path_params
    ]
    if op.query is not None:
        ref = refs[(op.query, "validation")]["$ref"].rsplit("/", 1)[1]
        params += _query_parameters(op.query, defs[ref])
    if params:
        out["parameters"] = params
    if op.body is not None:
        out["requestBody"] = {
            "required": op.body_required,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    responses: dict[str, Any] = {}
    if op.response is None:
        responses[str(op.status)] = {"description": "Done"}
    else:
        responses[str(op.status)] = {
            "description": "Success",
            "content": {"application/json": {"schema": refs[(op.response, "serialization")]}},
        }
        if op.location_template:
            responses[str(op.status)]["headers"] = {
                "Location": {
                    "description": "The new resource",
                    "schema": {"type": "string"},
                    "required": True,
                }
            }
    codes = set(COMMON_ERRORS) | set(op.errors)
    if op.body is not None:
        codes |= {413, 415}
    if op.method not in ("get", "head"):
        codes.add(403)  # a read-only token asking to change something
    for code in sorted(codes):
        responses[str(code)] = _problem_response(code)
    out["responses"] = responses
    return out


@functools.cache
def openapi_document() -> dict[str, Any]:
    refs, top = models_json_schema(_models(), ref_template=REF)
    defs = top.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op, refs, defs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mutualaid API",
            "version": "1.0.0",
            "description": (
                "Needs, offers, matches and response pods. Authenticate with "
                "`Authorization: Bearer <token>` (create a token on your profile page or with "
                "`flask --app mutualaid api-token`). Tokens expire and are `read` (GET only) "
                "or `write`. Errors are RFC 9457 problem documents. "
                "Exact places are shown only to the people the web shows them to."
            ),
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "schemas": defs,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from your profile page or the api-token command.",
                }
            },
        },
    }
