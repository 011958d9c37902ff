"""English and Spanish on the web: browser language, the footer switcher, the profile."""

from mutualaid.extensions import db
from tests.conftest import text_of


def test_spanish_browsers_get_spanish_pages(client):
    page = text_of(client.get("/", headers={"Accept-Language": "es-US,es;q=0.9,en;q=0.5"}))
    assert "Necesito ayuda" in page and "Puedo ayudar" in page
    assert "I need help" not in page


def test_english_is_the_default(client):
    page = text_of(client.get("/"))
    assert "I need help" in page


def test_footer_switcher_remembers_the_choice(client):
    response = client.submit("/language", {"lang": "es", "next": "/auth/login"})
    assert response.status_code == 303 and response.headers["Location"] == "/auth/login"
    page = client.get("/auth/login")
    assert "Iniciar sesión" in text_of(page)
    assert '<html lang="es">' in page.get_data(as_text=True)


def test_switcher_ignores_unknown_languages_and_offsite_next(client):
    response = client.submit("/language", {"lang": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert "I need help" in text_of(client.get("/"))


def test_logged_in_switch_updates_the_profile(neighbor_client, neighbor):
    neighbor_client.submit("/language", {"lang": "es", "next": "/"})
    db.session.refresh(neighbor)
    assert neighbor.language == "es"
    # The profile wins over the browser's language from now on.
    page = neighbor_client.get("/", headers={"Accept-Language": "en"})
    assert "Necesito ayuda" in text_of(page)


def test_form_errors_come_in_spanish(client):
    client.submit("/language", {"lang": "es"})
    response = client.submit(
        "/auth/login", {"email": "x@example.org", "password": "nope-nope-nope"}
    )
    assert "no coinciden con ninguna cuenta" in text_of(response)


def test_signing_up_in_spanish_keeps_spanish(client):
    from sqlalchemy import select

    from mutualaid.models import Person

    headers = {"Accept-Language": "es-MX,es;q=0.9"}
    client.get("/auth/signup", headers=headers)
    response = client.submit(
        "/auth/signup",
        {
            "name": "Lucía Pérez",
            "email": "lucia-signup@example.org",
            "password": "una frase bien segura",
            "confirm": "una frase bien segura",
        },
        headers=headers,
    )
    assert response.status_code in (302, 303)
    person = db.session.scalar(select(Person).where(Person.email == "lucia-signup@example.org"))
    assert person.language == "es"
    # Sign-up leads to the log-in page (issue 16: the same answer whether the email is taken).
    login = {"email": "lucia-signup@example.org", "password": "una frase bien segura"}
    assert client.submit("/auth/login", login, headers=headers).status_code == 302
    # Logged in, the profile now decides, whatever the browser says.
    assert "Necesito ayuda" in text_of(client.get("/", headers={"Accept-Language": "en"}))


def test_refused_control_characters_are_explained_in_spanish(client):
    client.submit("/language", {"lang": "es"})
    response = client.submit("/auth/login", {"email": "a\x00b@example.org", "password": "x"})
    assert response.status_code == 400
    assert "carácter de control" in text_of(response)
    assert 'class="error"' in response.get_data(as_text=True)
