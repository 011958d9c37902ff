import pytest

from mutualaid import create_app
from tests.conftest import TEST_ENV


def test_healthz_reports_database_and_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["queue"]["ok"] is True


def _unhealthy_app(**env):
    app = create_app({**TEST_ENV, **env})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    return app


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    # A SQLite file under a path that cannot exist: connecting fails.
    app = create_app({**TEST_ENV, "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and body["database"]["ok"] is False


def test_healthz_is_503_when_the_queue_is_unreachable(database_url):
    # Redis on a loopback port where nothing listens.
    app = create_app(
        {**TEST_ENV, "DATABASE_URL": database_url, "QUEUE_URL": "redis://127.0.0.1:9/0"}
    )
    try:
        response = app.test_client().get("/healthz")
    finally:
        from mutualaid.queue import configure_queue

        configure_queue("memory://")
    assert response.status_code == 503
    assert response.get_json()["queue"]["ok"] is False
    assert response.get_json()["database"]["ok"] is True


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "We could not find that page" in response.get_data(as_text=True)


def test_json_clients_get_problem_documents(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


@pytest.mark.parametrize("url", ["/", "/auth/login", "/auth/signup"])
def test_pages_have_landmarks_labels_and_viewport(client, url):
    html = client.get(url).get_data(as_text=True)
    assert 'name="viewport"' in html
    assert "<main" in html and "<header" in html and "<nav" in html and "<footer" in html
    assert 'class="skip-link"' in html
    import re

    for tag in re.findall(r"<input[^>]*>", html):
        if 'type="hidden"' in tag or 'type="submit"' in tag:
            continue
        input_id = re.search(r'\bid="([^"]+)"', tag).group(1)
        assert f'for="{input_id}"' in html, f"input {input_id} on {url} has no label"


def test_home_page_has_the_two_doors(client):
    html = client.get("/").get_data(as_text=True)
    assert "I need help" in html and "I can help" in html
