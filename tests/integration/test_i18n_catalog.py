"""The Spanish catalog stays complete: every marked string translated (placeholders and HTML
intact), every template word marked, every SMS text within two segments in both languages.

The checks live in mutualaid.i18n_catalog (also run by `make i18n-check`); the first tests
below run them on the project, the others show they catch what they claim to catch.
"""

from __future__ import annotations

import pytest

from mutualaid import i18n_catalog
from mutualaid.i18n_catalog import Extracted


@pytest.fixture(scope="module")
def extracted() -> list[Extracted]:
    return i18n_catalog.extract()


def test_extraction_sees_python_lazy_plural_and_template_strings(extracted):
    keys = {item.key for item in extracted}
    assert "I need help" in keys  # template
    assert "Your request is updated." in keys  # python _()
    assert any(isinstance(i.msgid, tuple) for i in extracted)  # ngettext plurals
    lazy = [i for i in extracted if i.key == "What do you need help with?"]  # _l form label
    assert lazy and any(loc.endswith("forms.py") for loc in lazy[0].locations)


def test_every_message_has_a_spanish_translation(extracted):
    problems = i18n_catalog.catalog_problems("es", extracted)
    assert not problems, "run `make i18n-check` for the list:\n" + "\n".join(problems)


def test_every_template_word_is_marked_for_translation():
    problems = i18n_catalog.unmarked_template_text()
    assert not problems, "wrap these in {{ _('...') }}:\n" + "\n".join(problems)


def test_every_sms_text_fits_two_segments_in_every_language(extracted):
    sms = [i for i in extracted if i18n_catalog.is_sms_text(i)]
    assert len(sms) >= 10  # invitations, pod notices, reminders, HELP/START replies
    problems = i18n_catalog.sms_over_budget(extracted)
    assert not problems, "\n".join(problems)


# ---- the checks catch what they claim to catch ----------------------------------------


def test_untranslated_fuzzy_and_unknown_msgids_are_reported(monkeypatch):
    catalog = i18n_catalog.load_catalog("es")
    catalog["Your request is updated."].flags.add("fuzzy")
    catalog["I need help"].string = ""
    monkeypatch.setattr(i18n_catalog, "load_catalog", lambda language: catalog)
    items = [
        Extracted("I need help", ("templates/main/home.html",)),
        Extracted("Your request is updated.", ("mutualaid/web/needs/routes.py",)),
        Extracted("A brand new sentence", ("templates/x.html",)),
        Extracted("Log in", ("templates/base.html",)),
    ]
    problems = "\n".join(i18n_catalog.catalog_problems("es", items))
    assert "untranslated: 'I need help'" in problems
    assert "fuzzy" in problems and "Your request is updated." in problems
    assert "missing (run make i18n-update): 'A brand new sentence'" in problems
    assert "Log in" not in problems


def test_placeholder_and_tag_mismatches_are_reported(monkeypatch):
    catalog = i18n_catalog.load_catalog("es")
    catalog["Pod %(code)s"].string = "Grupo %(codigo)s"
    tagged = next(m for m in catalog if m.id and "<strong>" in str(m.id))
    tagged.string = tagged.string.replace("<strong>", "<b>").replace("</strong>", "</b>")
    monkeypatch.setattr(i18n_catalog, "load_catalog", lambda language: catalog)
    items = [Extracted("Pod %(code)s", ()), Extracted(tagged.id, ())]
    problems = "\n".join(i18n_catalog.catalog_problems("es", items))
    assert "placeholders differ" in problems and "%(codigo)s" in problems
    assert "HTML tags differ" in problems


def test_template_checker_finds_bare_words_and_attributes(tmp_path):
    (tmp_path / "page.html").write_text(
        "{% extends 'base.html' %}{# a comment with words #}\n"
        "<h1>{{ _('Fine') }}</h1>\n"
        "<p>Hello neighbors</p>\n"
        '<input placeholder="Type here" value="{{ x }}">\n'
        "<p>{% trans %}Also fine{% endtrans %} · 12 km · mutual<strong>aid</strong></p>\n"
        '<button type="submit" name="rating" value="good">{{ _("OK") }}</button>\n',
        encoding="utf-8",
    )
    problems = i18n_catalog.unmarked_template_text(tmp_path)
    assert problems == [
        "templates/page.html:3: Hello neighbors",
        "templates/page.html:4: Type here",
    ]


def test_sms_budget_counts_accents_as_ucs2(monkeypatch):
    catalog = i18n_catalog.load_catalog("es")
    key = "mutualaid: %(code)s was cancelled. Thank you!"
    # 140 GSM-7 characters would be one segment; with one accent it is three UCS-2 parts.
    catalog[key].string = "mutualaid: " + "a" * 120 + " %(code)s está"
    monkeypatch.setattr(i18n_catalog, "load_catalog", lambda language: catalog)
    problems = i18n_catalog.sms_over_budget([Extracted(key, ("mutualaid/needs.py",))])
    assert len(problems) == 1 and problems[0].startswith("es: 3 UCS-2 segments")


def test_todo_then_fill_round_trip(tmp_path, monkeypatch):
    import shutil

    shutil.copytree(i18n_catalog.TRANSLATIONS / "es", tmp_path / "es")
    monkeypatch.setattr(i18n_catalog, "TRANSLATIONS", tmp_path)
    catalog = i18n_catalog.load_catalog("es")
    sms_key = "mutualaid: %(code)s was cancelled. Thank you!"
    catalog[sms_key].string = ""
    catalog["Your request is updated."].flags.add("fuzzy")
    with i18n_catalog.po_path("es").open("wb") as f:
        i18n_catalog.write_po(f, catalog)

    entries = {e["msgid"]: e for e in i18n_catalog.todo("es")}
    assert set(entries) == {sms_key, "Your request is updated."}
    assert entries[sms_key]["sms"] is True and "sms" not in entries["Your request is updated."]

    entries[sms_key]["msgstr"] = "mutualaid: se canceló %(code)s. ¡Gracias!"
    entries["Your request is updated."]["msgstr"] = "Actualizamos tu pedido."
    assert i18n_catalog.fill(list(entries.values()), "es") == 2
    assert i18n_catalog.todo("es") == []
    assert not i18n_catalog.catalog_problems("es")
