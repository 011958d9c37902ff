"""Flask CLI commands: create-user, demo, worker."""

from __future__ import annotations

import click
from flask import Flask, current_app

from mutualaid.accounts import AccountError, NewAccount, create_person
from mutualaid.extensions import db
from mutualaid.models.people import ROLES
from mutualaid.phones import InvalidPhone, normalise_phone


def register_cli(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(demo)
    app.cli.add_command(worker)
    from mutualaid.workspace.cli import import_csv

    app.cli.add_command(import_csv)

    from mutualaid.web.api.commands import api_token

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
    from mutualaid.demo import load_demo

    if current_app.config["MUTUALAID"].is_production and not force:
        raise click.ClickException("Refusing to load demo data in production without --force.")
    load_demo(db.session, current_app.extensions["passwords"], echo=click.echo)
    db.session.commit()
    click.echo("Demo neighborhood ready. Log in with any demo email and the password shown above.")


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
def worker(workers: int) -> None:
    """Run the background worker (Huey consumer with the periodic schedule)."""
    from mutualaid import jobs
    from mutualaid.queue import huey

    if huey.immediate:
        raise click.ClickException("QUEUE_URL=memory:// runs tasks inline; no worker needed.")
    jobs.bind_worker_app(current_app._get_current_object())  # type: ignore[attr-defined]
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
