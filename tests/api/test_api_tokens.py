"""Token lifecycle: created by the CLI or on the profile, shown once, hashed at rest,
last use recorded, revoked tokens stop working."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import ApiToken, AuditEvent
from tests.conftest import login_as, text_of
from tests.factories import make_person

SECRET = re.compile(r"ma_[A-Za-z0-9_-]{40,}")


def _columns(token: ApiToken) -> list[str]:
    return [str(getattr(token, c.key)) for c in ApiToken.__table__.columns]


def test_cli_prints_a_token_once_and_stores_only_its_hash(runner, neighbor, api_as):
    result = runner.invoke(args=["api-token", "--user", neighbor.email, "--name", "hotline"])
    assert result.exit_code == 0, result.output
    secret = SECRET.search(result.output).group(0)
    token = db.session.scalar(select(ApiToken).where(ApiToken.person_id == neighbor.id))
    assert token.name == "hotline"
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert not any(secret in value for value in _columns(token))  # the secret is not stored
    assert token.prefix == secret[:10]
    me = api_as(None, token=secret).get("/me")
    assert me.status_code == 200 and me.get_json()["email"] == neighbor.email
    assert me.get_json()["token"] == {"id": token.id, "name": "hotline", "prefix": token.prefix}


def test_cli_tokens_are_read_only_unless_asked_and_expire_as_configured(runner, neighbor, app):
    import dataclasses

    original = app.config["MUTUALAID"]
    app.config["MUTUALAID"] = dataclasses.replace(original, api_token_days=7)
    try:
        read = runner.invoke(args=["api-token", "--user", neighbor.email, "--name", "look"])
        write = runner.invoke(
            args=["api-token", "--user", neighbor.email, "--name", "post", "--scope", "write"]
        )
    finally:
        app.config["MUTUALAID"] = original
    assert read.exit_code == 0 and write.exit_code == 0, (read.output, write.output)
    tokens = {
        t.name: t
        for t in db.session.scalars(select(ApiToken).where(ApiToken.person_id == neighbor.id))
    }
    assert tokens["look"].scope == "read" and tokens["post"].scope == "write"
    lifetime = tokens["look"].expires_at - tokens["look"].created_at
    assert 6.9 < lifetime.total_seconds() / 86400 <= 7.0
    assert "(read, expires" in read.output


def test_cli_refuses_unknown_accounts(runner):
    result = runner.invoke(args=["api-token", "--user", "nobody@example.org"])
    assert result.exit_code != 0 and "No account" in result.output


def test_last_use_is_recorded_at_most_once_a_minute(neighbor, api_as):
    api = api_as(neighbor)
    token = db.session.scalar(select(ApiToken).where(ApiToken.person_id == neighbor.id))
    assert token.last_used_at is None
    assert api.get("/me").status_code == 200
    db.session.refresh(token)
    first = token.last_used_at
    assert first is not None
    api.get("/me")
    db.session.refresh(token)
    assert token.last_used_at == first  # not a write on every request
    token.last_used_at = first - timedelta(minutes=5)
    db.session.commit()
    api.get("/me")
    db.session.refresh(token)
    assert token.last_used_at > first - timedelta(minutes=5)


def test_profile_page_creates_a_token_shown_once(neighbor_client, neighbor, api_as):
    page = neighbor_client.submit("/account/tokens", {"name": "spreadsheet"})
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(page.get_data(as_text=True)).group(0)
    assert api_as(None, token=secret).get("/me").status_code == 200
    again = neighbor_client.get("/account/tokens")
    assert secret not in again.get_data(as_text=True)  # never shown again
    listing = text_of(again)
    assert "spreadsheet" in listing and secret[:10] in listing
    assert "never" not in listing  # it was just used: the last-use time is listed


def test_revoking_on_the_profile_stops_the_token(neighbor_client, neighbor, api_as):
    api = api_as(neighbor)
    token = db.session.scalar(select(ApiToken).where(ApiToken.person_id == neighbor.id))
    assert api.get("/me").status_code == 200
    response = neighbor_client.submit(f"/account/tokens/{token.id}/revoke")
    assert response.status_code == 303
    db.session.refresh(token)
    assert token.revoked_at is not None
    assert api.get("/me").status_code == 401
    assert "revoked" in text_of(neighbor_client.get("/account/tokens"))
    actions = db.session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.target_type == "apitoken", AuditEvent.target_id == token.id
        )
    ).all()
    assert sorted(actions) == ["api_token.created", "api_token.revoked"]


def test_nobody_revokes_someone_elses_token(app, neighbor, outsider, api_as):
    api = api_as(neighbor)
    token = db.session.scalar(select(ApiToken).where(ApiToken.person_id == neighbor.id))
    other = login_as(app.test_client(), outsider)
    assert other.submit(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert api.get("/me").status_code == 200


def test_bad_authorization_headers_are_401_not_500(neighbor, api_as):
    api = api_as(None)
    for header in (
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer " + "x" * 10_000,
        "Bearer ma_\u00e9\u2603",
        "bearer ma_nope",
    ):
        response = api.get("/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_browser_sessions_do_not_open_the_api(neighbor_client):
    response = neighbor_client.get("/api/v1/me")
    assert response.status_code == 401


def test_me_shows_coordinated_areas(scene, api_as):
    body = api_as(scene.coordinator).get("/me").get_json()
    assert body["role"] == "coordinator"
    assert [a["slug"] for a in body["coordinator_of"]] == ["williamsburg"]
    assert api_as(make_person(name="Nora New")).get("/me").get_json()["coordinator_of"] == []
