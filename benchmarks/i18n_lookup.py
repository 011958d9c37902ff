"""What the catalog look-up behind ``{{ _() }}`` costs a page (issue 15 changed how it is
found): a template with 400 translated strings rendered with the callables the app installs
now (the page's catalog is put in its context once per render) against the ones they
replaced (a per-call look-up cached on flask-babel's private ``g._flask_babel`` state) and
against flask-babel's own per-call ``get_translations()``, side by side in one request
context, alternating rounds. Spanish, so every string is really looked up.

    .venv/bin/python benchmarks/i18n_lookup.py [--renders 300] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import _common  # noqa: F401  (puts the project on sys.path)

PAGE = "{% for i in range(400) %}{{ _('Sign up') }} {{ _('%(n)s km', n=i) }}{% endfor %}"


def replaced_version():  # the per-call look-up before issue 15, kept as the baseline
    from flask import g
    from flask_babel import get_translations

    try:
        state = g._flask_babel
    except (AttributeError, RuntimeError):
        return get_translations()
    locale = getattr(state, "babel_locale", None)
    cached = getattr(state, "mutualaid_catalog", None)
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]
    catalog = get_translations()
    state.mutualaid_catalog = (getattr(state, "babel_locale", None), catalog)
    return catalog


def _install(env, lookup) -> None:
    env.install_gettext_callables(
        gettext=lambda s: lookup().ugettext(s),
        ngettext=lambda s, p, n: lookup().ungettext(s, p, n),
        newstyle=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--renders", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from flask import render_template_string
    from flask_babel import get_translations

    from mutualaid import create_app
    from mutualaid.i18n import install_template_gettext

    app = create_app({"MUTUALAID_ENV": "testing", "DATABASE_URL": "sqlite://"})
    env = app.jinja_env
    variants = {
        "now (catalog in context)": lambda: install_template_gettext(app),
        "replaced (per call, cached)": lambda: _install(env, replaced_version),
        "per call, uncached": lambda: _install(env, get_translations),
    }
    results: dict[str, list[float]] = {name: [] for name in variants}
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        outputs = set()
        for install in variants.values():
            install()
            outputs.add(render_template_string(PAGE))
        assert len(outputs) == 1 and "Registr" in outputs.pop()  # same Spanish page
        for _ in range(args.rounds):
            for name, install in variants.items():
                install()
                start = time.perf_counter()
                for _ in range(args.renders):
                    render_template_string(PAGE)
                results[name].append((time.perf_counter() - start) / args.renders * 1e3)
        install_template_gettext(app)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"one page with 800 _() calls, median of {args.rounds} rounds; load average {load}")
    base = statistics.median(results["replaced (per call, cached)"])
    for name, times in results.items():
        median = statistics.median(times)
        print(f"  {name:28s} {median:6.2f} ms  ({median / base:.2f}x the replaced version)")


if __name__ == "__main__":
    main()
