"""Translation tooling: what a translator (and the test suite) checks before shipping.

Owns three checks, shared by ``make i18n-check`` and tests/integration/test_i18n_catalog.py:

- :func:`catalog_problems`: extract the messages from the sources exactly as
  ``make i18n-extract`` does (config/babel.cfg, keywords ``_l`` and ``_n:1,2``) and report every
  msgid without a non-empty, non-fuzzy Spanish translation, or whose placeholders / HTML tags
  differ between msgid and msgstr.
- :func:`sms_over_budget`: every SMS text (msgids starting "mutualaid:" and the texts under
  mutualaid/sms/) rendered in each language with realistic values must fit in
  ``SMS_MAX_SEGMENTS`` segments (accents are kept; they make a text UCS-2, 70/67 chars).
- :func:`unmarked_template_text`: visible words in templates that are not inside a
  translation call (text nodes and the visible attributes placeholder/title/alt/aria-label).

Command line (see docs/i18n.md)::

    python -m mutualaid.i18n_catalog [check]        every problem; exit status 1 if any
    python -m mutualaid.i18n_catalog todo [LANG]     untranslated entries as JSON to fill in
    python -m mutualaid.i18n_catalog fill FILE [LANG]  write a filled JSON into the .po
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from mutualaid import categories
from mutualaid.settings import PROJECT_ROOT
from mutualaid.sms.compose import count_segments

LANGUAGES = ("es",)
BABEL_CFG = PROJECT_ROOT / "config" / "babel.cfg"
TRANSLATIONS = PROJECT_ROOT / "mutualaid" / "translations"
TEMPLATES = PROJECT_ROOT / "templates"
SMS_MAX_SEGMENTS = 2

# Same keywords as the Makefile's `pybabel extract -k _l -k _n:1,2`.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "_n": (1, 2)}

_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")

# Realistic (long-ish) values for SMS placeholders, by name. A new SMS placeholder needs a
# value here; the check says so. Texts are also rendered with SMS_ACCENTED_VALUES (names and
# places with accents turn a whole text into UCS-2).
SMS_SAMPLE_VALUES: dict[str, object] = {
    "code": "A7KW",
    "last4": "0123",
    "category": "Transporte",
    "km": "12.5",
    "distance": "12.5 km",
    "n": 12,
    "num": 3,
    "urgency": "para hoy",
    "names": "Marisol, Guadalupe",
    "name": "Guadalupe",
    "address": "1234 Myrtle Ave Apt 3F, Brooklyn",
    "what": "Compras, Transporte",
    "reason": "ya no hace falta",
    "place": "Myrtle Ave y Broadway",
    "text": "Llego en 10 minutos",
    "left": "2 h",
    "list": "A7K, C4MW",
    "word": "CANCELAR",
    "status": "buscando vecinos",
    "categories": "Compras, Transporte",
    "paused": " en pausa",
    "question": "¿Qué necesitas?",
    "why": "No conocemos el código postal 00000. Revísalo o escribe una dirección.",
    "verb": "Oferta actualizada",
    "where": "Myrtle Ave y Broadway",
    "number": "911",
    "codes": "A7K, C4MW",
    "when": ", mañana por la tarde",
}
SMS_ACCENTED_VALUES: dict[str, object] = {
    **SMS_SAMPLE_VALUES,
    "category": "Compañía",
    "names": "María, José Ángel",
    "name": "José Ángel",
    "address": "1234 Calle Príncipe Apt 3F, Brooklyn",
    "what": "Compañía, Transporte",
    "place": "Avenida Perú y Calle 5",
}


@dataclass(frozen=True)
class Extracted:
    msgid: str | tuple[str, ...]
    locations: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.msgid if isinstance(self.msgid, str) else self.msgid[0]


def extract(root: Path = PROJECT_ROOT) -> list[Extracted]:
    """The messages `make i18n-extract` would write to messages.pot, with their files."""
    with BABEL_CFG.open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str | tuple[str, ...], set[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(root), method_map, options_map, keywords=KEYWORDS
    ):
        if not message or (isinstance(message, tuple) and not message[0]):
            continue
        if isinstance(message, tuple):
            message = tuple(m for m in message if m is not None)
            if len(message) == 1:
                message = message[0]
        found.setdefault(message, set()).add(filename)
    return [Extracted(m, tuple(sorted(files))) for m, files in found.items()]


def load_catalog(language: str) -> Catalog:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=language)


def placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in _PLACEHOLDER.finditer(text) if m.group(0) != "%%")


def tags(text: str) -> list[str]:
    return sorted(m.group(1).lower() for m in _TAG.finditer(text))


def _forms(
    msgid: str | tuple[str, ...], msgstr: str | tuple[str, ...] | list[str] | None
) -> list[tuple[str, str]]:
    """(source, translation) pairs: singular and plural forms side by side."""
    if isinstance(msgid, str):
        return [(msgid, msgstr if isinstance(msgstr, str) else "")]
    strings = list(msgstr) if isinstance(msgstr, (tuple, list)) else [msgstr or ""]
    return [(msgid[min(i, len(msgid) - 1)], s or "") for i, s in enumerate(strings)]


def catalog_problems(language: str = "es", extracted: list[Extracted] | None = None) -> list[str]:
    """One line per problem; empty when every extracted msgid is translated correctly."""
    catalog = load_catalog(language)
    problems = []
    for item in extracted if extracted is not None else extract():
        message = catalog.get(item.key)
        where = ", ".join(item.locations)
        if message is None:
            problems.append(f"missing (run make i18n-update): {item.key!r} [{where}]")
            continue
        pairs = _forms(item.msgid, message.string)
        if not all(s.strip() for _src, s in pairs):
            problems.append(f"untranslated: {item.key!r} [{where}]")
            continue
        if message.fuzzy:
            problems.append(f"fuzzy (check it, then remove the fuzzy flag): {item.key!r}")
        for source, string in pairs:
            if placeholders(source) != placeholders(string):
                problems.append(
                    f"placeholders differ: {source!r} has {placeholders(source)}, "
                    f"{string!r} has {placeholders(string)}"
                )
            if tags(source) != tags(string):
                problems.append(f"HTML tags differ: {source!r} vs {string!r}")
    return problems


def is_sms_text(item: Extracted) -> bool:
    return item.key.startswith("mutualaid:") or any(
        loc.replace("\\", "/").startswith("mutualaid/sms/") for loc in item.locations
    )


def values_for(language: str, values: dict[str, object]) -> dict[str, object]:
    """Sample values as a reader of ``language`` gets them: the category menu and category
    names come from config/categories.toml in that language."""
    cats = categories.all_categories()
    menu = ", ".join(f"{i} {cat.name(language)}" for i, cat in enumerate(cats, 1))
    out = {**values, "menu": menu}
    if language == "en":
        out["category"] = max((cat.name("en") for cat in cats), key=len)
        out["categories"] = ", ".join(cat.name("en") for cat in cats[:2])
        out["what"] = out["categories"]
        out["question"] = "What do you need?"
        out["status"] = "finding neighbors"
        out["word"] = "CANCEL"
    return out


def render(text: str, values: dict[str, object] = SMS_SAMPLE_VALUES) -> str:
    names = {m.group(1) for m in _PLACEHOLDER.finditer(text) if m.group(1)}
    missing = names - set(values)
    if missing:
        raise KeyError(f"add sample values for {sorted(missing)} to SMS_SAMPLE_VALUES")
    return text % {k: values[k] for k in names} if names else text


def sms_over_budget(extracted: list[Extracted] | None = None) -> list[str]:
    """SMS texts that need more than SMS_MAX_SEGMENTS segments with realistic values."""
    problems = []
    items = [i for i in (extracted if extracted is not None else extract()) if is_sms_text(i)]
    catalogs = {lang: load_catalog(lang) for lang in LANGUAGES}
    for item in items:
        texts = [("en", s) for s in ([item.msgid] if isinstance(item.msgid, str) else item.msgid)]
        for lang, catalog in catalogs.items():
            message = catalog.get(item.key)
            if message is not None:
                texts += [(lang, s) for _src, s in _forms(item.msgid, message.string) if s]
        for lang, text in texts:
            for values in (SMS_SAMPLE_VALUES, SMS_ACCENTED_VALUES):
                try:
                    body = render(text, values_for(lang, values))
                except (KeyError, ValueError, TypeError) as exc:
                    problems.append(f"cannot render {text!r}: {exc}")
                    break
                encoding, segments = count_segments(body)
                if segments > SMS_MAX_SEGMENTS:
                    problems.append(
                        f"{lang}: {segments} {encoding} segments ({len(body)} chars): {body!r}"
                    )
                    break
    return problems


# --- templates --------------------------------------------------------------------------

_JINJA_COMMENT = re.compile(r"{#.*?#}", re.S)
_JINJA_TRANS_BLOCK = re.compile(r"{%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}", re.S)
_JINJA_TAG = re.compile(r"{%.*?%}|{{.*?}}", re.S)
_VISIBLE_ATTRIBUTES = {"placeholder", "title", "alt", "aria-label", "label"}
_SKIP_ELEMENTS = {"script", "style"}
# Words that are the same in every language: the brand, units, formats.
ALLOWED_WORDS = {"mutualaid", "SMS", "km", "mi", "HH", "MM", "UTC"}
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
_PATH = re.compile(r"\S*/\S*")  # URLs and paths like /api/v1 are not words
_BRAND = re.compile(r"mutual<(\w+)>aid</\1>")  # the logo: mutual<strong>aid</strong>


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_ELEMENTS:
            self._skip += 1
        for name, value in attrs:
            if name in _VISIBLE_ATTRIBUTES and value:
                self._check(value)
            if (
                tag == "input"
                and name == "value"
                and dict(attrs).get("type") in ("submit", "button")
            ):
                self._check(value or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_ELEMENTS and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._check(data)

    def _check(self, text: str) -> None:
        words = [w for w in _WORD.findall(_PATH.sub(" ", text)) if w not in ALLOWED_WORDS]
        if words:
            self.found.append((self.getpos()[0], " ".join(text.split())))


def unmarked_template_text(templates: Path = TEMPLATES) -> list[str]:
    """ "file:line: text" for every visible text in a template that is not translated."""
    problems = []
    for path in sorted(templates.rglob("*.html")):
        source = path.read_text(encoding="utf-8")

        def blank(match: re.Match[str]) -> str:  # keep line numbers
            return "\n" * match.group(0).count("\n")

        source = _BRAND.sub("mutualaid", source)
        source = _JINJA_COMMENT.sub(blank, source)
        source = _JINJA_TRANS_BLOCK.sub(blank, source)
        source = _JINJA_TAG.sub(blank, source)
        parser = _VisibleText()
        parser.feed(source)
        parser.close()
        rel = path.relative_to(templates)
        problems += [f"templates/{rel}:{line}: {text}" for line, text in parser.found]
    return problems


def po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def todo(language: str = "es") -> list[dict[str, object]]:
    """Entries of the .po still to translate (empty or fuzzy), ready to fill in as JSON.
    SMS texts are flagged: keep them short (see SMS_MAX_SEGMENTS)."""
    sms_keys = {i.key for i in extract() if is_sms_text(i)}
    out: list[dict[str, object]] = []
    for message in load_catalog(language):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if message.fuzzy or not all(s and s.strip() for s in strings):
            key = message.id if isinstance(message.id, str) else message.id[0]
            entry: dict[str, object] = {"msgid": key}
            if isinstance(message.id, tuple):
                entry["msgid_plural"] = message.id[1]
                entry["msgstr"] = ["", ""]
            else:
                entry["msgstr"] = ""
            if key in sms_keys:
                entry["sms"] = True
            out.append(entry)
    return out


def fill(entries: list[dict[str, object]], language: str = "es") -> int:
    """Write translations (a filled ``todo`` list) into the .po; returns how many."""
    catalog = load_catalog(language)
    count = 0
    for entry in entries:
        message = catalog.get(str(entry["msgid"]))
        value = entry.get("msgstr")
        if message is None or not value:
            continue
        message.string = tuple(value) if isinstance(value, list) else str(value)
        message.flags.discard("fuzzy")
        count += 1
    with po_path(language).open("wb") as f:
        write_po(f, catalog, width=76)
    return count


def check() -> int:
    extracted = extract()
    sections = [
        ("Translations", [p for lang in LANGUAGES for p in catalog_problems(lang, extracted)]),
        (f"SMS texts over {SMS_MAX_SEGMENTS} segments", sms_over_budget(extracted)),
        ("Template text not marked for translation", unmarked_template_text()),
    ]
    for title, problems in sections:
        print(f"{title}: {'OK' if not problems else len(problems)}")
        for problem in problems:
            print(f"  {problem}")
    return 1 if any(problems for _title, problems in sections) else 0


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "check":
        return check()
    if command == "todo":
        print(json.dumps(todo(*argv[1:2]), ensure_ascii=False, indent=1))
        return 0
    if command == "fill" and len(argv) >= 2:
        entries = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
        print(f"filled {fill(entries, *argv[2:3])} entries")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
