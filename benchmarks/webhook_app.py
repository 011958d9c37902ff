"""WSGI entry for benchmarks/webhook_bench.py: the real app from the environment, plus a
no-op endpoint (``POST /bench/noop``) so the same app under the same server is the baseline."""

from __future__ import annotations

from flask import Response
from twilio.twiml.messaging_response import MessagingResponse

from mutualaid import create_app
from mutualaid.extensions import csrf

app = create_app()
_EMPTY = str(MessagingResponse())


@csrf.exempt
def noop() -> Response:
    return Response(_EMPTY, mimetype="application/xml")


app.add_url_rule("/bench/noop", "bench_noop", noop, methods=["POST"])
