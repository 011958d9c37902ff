"""Texts follow the admin's categories: an added one can be asked for by its words and is
in the menu; a deactivated one is no longer offered by text."""

from __future__ import annotations

from sqlalchemy import select

from mutualaid.admin_settings import CategoryInput, add_category, set_category_active
from mutualaid.extensions import db
from mutualaid.models import CategoryRow, Need
from tests.smsconv.conftest import code_in


def _need(code: str) -> Need:
    db.session.expire_all()
    return db.session.scalar(select(Need).where(Need.code == code))


def test_added_category_can_be_posted_by_text(phone, admin):
    add_category(
        db.session,
        admin,
        CategoryInput("bike_repair", "Bike repair", "Reparar bicis", 1, ("bicycle", "bici")),
    )
    maria = phone()
    (done,) = maria.text("NEED bicycle 11211 flat tire")
    assert done.startswith(f"Got it: need {code_in(done)}, Bike repair near 11211.")
    assert _need(code_in(done)).category == "bike_repair"
    rosa = phone()
    (menu,) = rosa.text("NEED")
    assert "10 Bike repair" in menu
    (spanish,) = phone().text("necesito bici 11211")
    assert "Reparar bicis" in spanish


def test_deactivated_category_is_not_offered_by_text(phone, admin):
    set_category_active(db.session, admin, db.session.get(CategoryRow, "groceries"), False)
    maria = phone()
    (menu,) = maria.text("NEED")
    assert "Groceries" not in menu and menu.startswith("What do you need? Reply 1 Meals")
    (what,) = phone().text("NEED groceries 11211")
    assert what.startswith("What do you need?")  # the word no longer names a category
