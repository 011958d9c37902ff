"""``flask --app mutualaid api-token --user EMAIL [--name NAME]``: print a new API token."""

from __future__ import annotations

import click

from mutualaid.accounts import find_by_email
from mutualaid.api_tokens import TokenError, create_token
from mutualaid.extensions import db


@click.command("api-token")
@click.option("--user", "email", required=True, help="Email of the account the token acts as.")
@click.option("--name", default="", help="A label to recognise the token by (e.g. 'hotline').")
def api_token(email: str, name: str) -> None:
    """Create an API token. It is printed once; only its hash is stored."""
    person = find_by_email(db.session, email)
    if person is None:
        raise click.ClickException(f"No account with the email {email!r}.")
    if not person.is_active:
        raise click.ClickException("That account is suspended.")
    try:
        token, secret = create_token(db.session, person, name)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Token {token.name!r} for {person.email} (id {token.id}); shown only once:")
    click.echo(secret)
