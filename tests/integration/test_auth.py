"""Sign up, log in, log out, profile: the account journeys a neighbor goes through."""

import pytest
from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Person
from mutualaid.web.auth.routes import LOGIN_FAILED
from tests.conftest import text_of
from tests.factories import PASSWORD, make_person

SIGNUP = {
    "name": "Jo Rivera",
    "email": "Jo@Example.org",
    "phone": "(718) 555-0101",
    "password": "a good long password",
    "confirm": "a good long password",
}


def test_signup_creates_account_stores_e164_phone_and_leads_to_log_in(client):
    response = client.submit("/auth/signup", SIGNUP)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    person = db.session.scalar(select(Person).where(Person.email == "jo@example.org"))
    assert person is not None
    assert person.phone == "+17185550101"
    assert person.role == "neighbor"
    assert person.password_hash.startswith("$argon2id$")
    assert "a good long password" not in person.password_hash
    # Sign-up does not log in (issue 16: it must look the same when the email is taken).
    login = client.submit(
        response.headers["Location"],
        {"email": "jo@example.org", "password": "a good long password"},
    )
    assert login.status_code == 302
    home = client.get("/")
    assert "Jo" in text_of(home) and "Log out" in text_of(home)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"password": "short", "confirm": "short"}, "at least 10 characters"),
        ({"confirm": "something else entirely"}, "The passwords do not match"),
        ({"phone": "12"}, "That phone number is not valid"),
        ({"name": ""}, "Enter your name"),
    ],
)
def test_signup_errors_are_specific_and_keep_input(client, change, message):
    response = client.submit("/auth/signup", {**SIGNUP, **change})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body
    if change.get("name", None) != "":
        assert 'value="Jo Rivera"' in body  # what the user typed is kept
    assert db.session.scalar(select(Person).where(Person.email == "jo@example.org")) is None


def test_signup_with_an_existing_email_changes_nothing_and_says_nothing(client, neighbor):
    before = neighbor.password_hash
    response = client.submit("/auth/signup", {**SIGNUP, "email": neighbor.email.upper()})
    assert response.status_code == 302  # the same answer as a new account (test_signup_privacy)
    assert "already exists" not in text_of(client.get(response.headers["Location"]))
    db.session.refresh(neighbor)
    assert neighbor.password_hash == before and neighbor.name == "Maria Lopez"
    assert db.session.scalar(select(Person).where(Person.name == "Jo Rivera")) is None


def test_login_and_logout(client, neighbor):
    response = client.submit("/auth/login", {"email": neighbor.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/account/profile").status_code == 200
    out = client.submit("/auth/logout")
    assert out.status_code == 302
    assert client.get("/account/profile").status_code == 302


def test_failed_logins_all_say_the_same_thing(client, neighbor):
    wrong_password = client.submit(
        "/auth/login", {"email": neighbor.email, "password": "nope-nope-nope"}
    )
    no_account = client.submit(
        "/auth/login", {"email": "nobody@example.org", "password": "nope-nope-nope"}
    )
    assert wrong_password.status_code == no_account.status_code == 400
    assert str(LOGIN_FAILED) in wrong_password.get_data(as_text=True)
    assert str(LOGIN_FAILED) in no_account.get_data(as_text=True)
    assert text_of(wrong_password).replace(neighbor.email, "X") == text_of(no_account).replace(
        "nobody@example.org", "X"
    )


def test_suspended_people_cannot_log_in(client):
    from mutualaid.models import utcnow

    person = make_person(suspended_at=utcnow())
    response = client.submit("/auth/login", {"email": person.email, "password": PASSWORD})
    assert response.status_code == 400 and str(LOGIN_FAILED) in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/account/profile", "/account/profile"),
        ("https://evil.example/phish", "/"),
        ("//evil.example/phish", "/"),
    ],
)
def test_next_redirects_stay_on_site(client, neighbor, next_url, expected):
    response = client.submit(
        f"/auth/login?next={next_url}", {"email": neighbor.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == expected


def test_protected_page_sends_anonymous_to_login_and_back(client, neighbor):
    response = client.get("/account/profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
    back = client.submit(
        response.headers["Location"], {"email": neighbor.email, "password": PASSWORD}
    )
    assert back.headers["Location"] == "/account/profile"


def test_forms_without_csrf_token_are_rejected(client, neighbor):
    response = client.post("/auth/login", data={"email": neighbor.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)
    assert client.get("/account/profile").status_code == 302  # not logged in


def test_session_cookie_is_httponly_and_lax(client, neighbor):
    response = client.submit("/auth/login", {"email": neighbor.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_profile_update_language_phone_and_sms_preference(neighbor_client, neighbor):
    response = neighbor_client.submit(
        "/account/profile",
        {"name": "Maria L", "language": "es", "phone": "347-555-0142", "sms_preference": "notify"},
    )
    assert response.status_code == 302
    db.session.refresh(neighbor)
    assert (neighbor.name, neighbor.language, neighbor.phone, neighbor.sms_preference) == (
        "Maria L",
        "es",
        "+13475550142",
        "notify",
    )
    assert neighbor.phone_verified_at is None


def test_profile_sms_without_phone_is_explained(neighbor_client, neighbor):
    response = neighbor_client.submit(
        "/account/profile",
        {"name": "Maria", "language": "en", "phone": "", "sms_preference": "only"},
    )
    assert response.status_code == 400
    assert "Add a phone number to get texts" in response.get_data(as_text=True)
    db.session.refresh(neighbor)
    assert neighbor.sms_preference == "none"


def test_profile_phone_taken_by_someone_else(neighbor_client, neighbor):
    make_person(phone="+13475550142")
    response = neighbor_client.submit(
        "/account/profile",
        {"name": "Maria", "language": "en", "phone": "347 555 0142", "sms_preference": "none"},
    )
    assert response.status_code == 400
    assert "already linked" in response.get_data(as_text=True)
