"""Fault: the database cannot be reached. Pages answer 503 with Retry-After and a plain
message (never a 500, never a crash inside the error page, which used to query the
database again for the signed-in person and the header counts)."""

from __future__ import annotations

import pytest

from mutualaid import create_app
from tests.conftest import TEST_ENV, login_as

UNREACHABLE = {
    "sqlite": "sqlite:////nonexistent-dir/mutualaid/down.db",
    "postgres": "postgresql+psycopg://postgres@127.0.0.1:1/down?connect_timeout=2",
}


@pytest.fixture(params=sorted(UNREACHABLE))
def down_app(request):
    from tests.conftest import FormClient

    app = create_app({**TEST_ENV, "DATABASE_URL": UNREACHABLE[request.param]})
    app.test_client_class = FormClient
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.mark.parametrize("path", ["/needs/mine", "/needs/board", "/pods/1", "/account/profile"])
def test_signed_in_pages_answer_503_while_the_database_is_down(down_app, path):
    client = login_as(down_app.test_client(), type("P", (), {"id": 1})())
    response = client.get(path)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "briefly unavailable" in response.get_data(as_text=True)
    assert "Content-Security-Policy" in response.headers


def test_json_clients_get_a_problem_document(down_app):
    client = login_as(down_app.test_client(), type("P", (), {"id": 1})())
    response = client.get("/needs/mine", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 503


def test_a_login_attempt_is_503_not_500(down_app):
    client = down_app.test_client()
    response = client.post(
        "/auth/login",
        data={
            "email": "a@example.org",
            "password": "whatever123",
            "csrf_token": client.csrf_token(),
        },
    )
    assert response.status_code == 503
