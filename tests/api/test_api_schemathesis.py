"""schemathesis against the app's own OpenAPI document, in process (WSGI), with a valid
coordinator token and a scene to find: no 5xx, and every response (status code, content
type, body) conforms to the document. Bounded examples per operation keep it quick.

Operations are driven one by one with hypothesis (schemathesis' pytest plugin does not
support this pytest yet); each gets positive and negative (schema-violating) cases.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mutualaid.extensions import db
from tests.factories import make_token

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 25


@pytest.mark.parametrize(
    ("persona", "modes", "examples"),
    [
        # The coordinator of the scene's area sees the most: every kind of answer.
        ("coordinator", (GenerationMode.POSITIVE, GenerationMode.NEGATIVE), EXAMPLES),
        # A neighbor with no part in the scene: the 403/404 paths.
        ("outsider", (GenerationMode.POSITIVE,), EXAMPLES // 2),
    ],
)
def test_api_conforms_to_its_own_document(app, scene, monkeypatch, persona, modes, examples):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "100000 per minute")  # not the subject
    token = make_token(getattr(scene, persona), "fuzz")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 18
    for operation in operations:
        for mode in modes:
            strategy = operation.as_strategy(generation_mode=mode)

            @given(case=strategy)
            @settings(
                max_examples=examples,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                case.call_and_validate(headers=headers, checks=CHECKS)

            run()
