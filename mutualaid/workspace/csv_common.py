"""What the CSV exports and imports share: writing a line, reading and checking a file,
the report of an import, row errors, and locating every place of a file up front."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from mutualaid import locations
from mutualaid.i18n import _
from mutualaid.locations import Location
from mutualaid.phones import InvalidPhone, normalise_phone

MAX_ROWS = 20000
Locate = Callable[[str], Location]


# A cell starting with one of these is a formula to a spreadsheet (CSV injection, OWASP):
# ``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``, ``+``, ``-``, ``@``, a tab or a CR.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value`` as a spreadsheet shows it, never evaluates it: a text starting with a
    formula character gets a leading ``'`` (E.164 phones "+1..." too). Numbers the code writes
    itself (ids, counts, coordinates: a longitude -73.95 is a float) are left alone."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_line(values: Iterable[object]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow([safe_cell(v) for v in values])
    return buf.getvalue()


def unquote_cell(value: str) -> str:
    """Undo :func:`safe_cell` for a re-imported export: "'+1718..." reads "+1718...". A
    quote before anything else (a name like "'Tis") is the person's own and stays."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, header); safe to show."""


@dataclass
class ImportReport:
    kind: str
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.errors)


class RowError(ValueError):
    pass


def not_yours() -> RowError:
    """A row naming a person the importer may not see: the same words whether or not the
    person exists, so a file cannot be used to find out who is registered elsewhere."""
    return RowError(
        _("This person cannot be imported by you; ask an admin or a coordinator of their area.")
    )


REQUIRED = {
    "needs": {"external_id", "name", "category", "location"},
    "offers": {"external_id", "name", "categories", "location"},
    "people": {"name"},
}


def read_rows(data: bytes | str, kind: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs; raises ImportFileError for an unreadable file."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            message = _("The file is not UTF-8 text. Save it as CSV (UTF-8).")
            raise ImportFileError(message) from None
    else:
        text = data
    reader = csv.DictReader(io.StringIO(text))
    header = {(h or "").strip().lower() for h in (reader.fieldnames or [])}
    missing = REQUIRED[kind] - header
    if kind == "people" and not header & {"email", "phone"}:
        missing = missing | {"email/phone"}
    if missing:
        raise ImportFileError(
            _("The header is missing the column(s): %(cols)s", cols=", ".join(sorted(missing)))
        )
    rows = []
    try:
        for row in reader:
            clean = {
                (k or "").strip().lower(): unquote_cell((v or "").strip()).strip()
                for k, v in row.items()
                if k
            }
            if any(clean.values()):
                rows.append((reader.line_num, clean))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(_("At most %(n)s rows per file.", n=MAX_ROWS))
    except csv.Error as exc:
        raise ImportFileError(_("The CSV could not be read: %(err)s", err=str(exc))) from None
    return rows


EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def checked_contact(row: dict[str, str]) -> tuple[str | None, str | None]:
    """(email, phone in E.164) of a row that names a person; RowError when either is not
    what it says, or when there is neither."""
    email = (row.get("email") or "").strip() or None
    if email and not EMAIL_RE.match(email):
        raise RowError(_("“%(email)s” is not an email address.", email=email))
    phone = None
    if row.get("phone"):
        try:
            phone = normalise_phone(row["phone"])
        except InvalidPhone:
            raise RowError(_("“%(phone)s” is not a phone number.", phone=row["phone"])) from None
    if not email and not phone:
        raise RowError(_("Give an email or a phone number for the person."))
    return email, phone


class LocateError(ValueError):
    """Raised by a ``locate`` callable when a row's location cannot be found."""


def prelocate(
    session: Session, rows: list[tuple[int, dict[str, str]]], checkpoint: Callable[[], None]
) -> Locate:
    """Geocode every distinct location of the file before the import writes anything (so no
    network call runs inside its transaction), ``checkpoint`` (the caller's commit) after
    each new place is cached. Returns the ``locate`` callable for :func:`import_rows`."""
    results: dict[str, locations.LocateResult] = {}
    for _line, row in rows:
        text = (row.get("location") or "").strip()
        if text and text not in results:
            results[text] = locations.locate(session, text)
            checkpoint()

    def locate(text: str) -> Location:
        result = results.get(text.strip()) or locations.locate(session, text)
        if result.location is None:
            raise LocateError(result.error or "")
        return result.location

    return locate
