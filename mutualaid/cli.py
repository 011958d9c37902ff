"""Flask CLI commands: create-user, demo, worker."""

from __future__ import annotations

from typing import cast

import click
from flask import Flask, current_app
from werkzeug.local import LocalProxy

from mutualaid import jobs
from mutualaid.accounts import AccountError, NewAccount, create_person, find_by_email
from mutualaid.api_tokens import TokenError, create_token
from mutualaid.demo import load_demo
from mutualaid.extensions import db
from mutualaid.models.people import ROLES
from mutualaid.phones import InvalidPhone, normalise_phone
from mutualaid.queue import huey
from mutualaid.workspace.cli import import_csv


def register_cli(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(demo)
    app.cli.add_command(worker)
    app.cli.add_command(import_csv)
    app.cli.add_command(api_token)


@click.command("create-user")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--phone", default="")
@click.option("--role", type=click.Choice(ROLES), default="neighbor", show_default=True)
@click.option("--language", type=click.Choice(["en", "es"]), default="en", show_default=True)
def create_user(name: str, email: str, password: str, phone: str, role: str, language: str) -> None:
    """Create an account (for example the first coordinator or admin)."""
    settings = current_app.config["MUTUALAID"]
    try:
        e164 = normalise_phone(phone, settings.default_country) if phone else None
        person = create_person(
            db.session,
            current_app.extensions["passwords"],
            NewAccount(
                name=name, email=email, password=password, phone=e164, role=role, language=language
            ),
        )
    except (AccountError, InvalidPhone) as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created {person.role} {person.name} <{person.email}> (id {person.id}).")


@click.command("demo")
@click.option("--force", is_flag=True, help="Allow loading demo data in production.")
def demo(force: bool) -> None:
    """Load a demo neighborhood (idempotent: running it twice adds nothing twice)."""
    if current_app.config["MUTUALAID"].is_production and not force:
        raise click.ClickException("Refusing to load demo data in production without --force.")
    load_demo(db.session, current_app.extensions["passwords"], echo=click.echo)
    db.session.commit()
    click.echo("Demo neighborhood ready. Log in with any demo email and the password shown above.")


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
def worker(workers: int) -> None:
    """Run the background worker (Huey consumer with the periodic schedule)."""
    if huey.immediate:
        raise click.ClickException("QUEUE_URL=memory:// runs tasks inline; no worker needed.")
    # flask types current_app as a Flask; it is a werkzeug LocalProxy of one.
    jobs.bind_worker_app(cast("LocalProxy[Flask]", current_app)._get_current_object())
    # An idle consumer polls the SQLite queue; a short ceiling on its back-off keeps replies
    # to texts within about half a second (Huey's default ceiling is 10 s). Redis blocks.
    consumer = huey.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=True,
        check_worker_health=True,
        initial_delay=0.05,
        max_delay=0.5,
    )
    click.echo(
        f"Worker started ({workers} threads, queue {current_app.config['MUTUALAID'].queue_url})."
    )
    consumer.run()


@click.command("api-token")
@click.option("--user", "email", required=True, help="Email of the account the token acts as.")
@click.option("--name", default="", help="A label to recognise the token by (e.g. 'hotline').")
@click.option(
    "--scope",
    type=click.Choice(["read", "write"]),
    default="read",
    show_default=True,
    help="read: look things up only; write: also post, change and answer.",
)
def api_token(email: str, name: str, scope: str) -> None:
    """Create an API token (``flask --app mutualaid api-token --user EMAIL [--name NAME]``).
    It is printed once; only its hash is stored."""
    person = find_by_email(db.session, email)
    if person is None:
        raise click.ClickException(f"No account with the email {email!r}.")
    if not person.is_active:
        raise click.ClickException("That account is suspended.")
    try:
        token, secret = create_token(
            db.session,
            person,
            name,
            scope=scope,
            days=current_app.config["MUTUALAID"].api_token_days,
        )
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(
        f"Token {token.name!r} ({scope}, expires {token.expires_at:%Y-%m-%d}) for "
        f"{person.email} (id {token.id}); shown only once:"
    )
    click.echo(secret)
