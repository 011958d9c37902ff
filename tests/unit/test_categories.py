"""Categories come from config/categories.toml; what people type resolves to a key."""

import pytest

from mutualaid import categories
from mutualaid.categories import CategoryConfigError, load_categories


def test_nine_categories_with_english_and_spanish_names():
    cats = categories.all_categories()
    assert [c.key for c in cats] == [
        "groceries",
        "meals",
        "transport",
        "medical",
        "childcare",
        "housing",
        "errands",
        "companionship",
        "other",
    ]
    for c in cats:
        assert c.en and c.es and c.en != c.key
        assert 1 <= c.people_needed <= 15
    assert categories.name_of("childcare", "es") == "Cuidado de niños"
    assert categories.name_of("childcare", "en") == "Childcare"


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("groceries", "groceries"),
        ("Groceries", "groceries"),
        ("comida", "groceries"),
        ("ride", "transport"),
        ("RIDES", "transport"),
        ("aventón", "transport"),
        ("farmacia", "medical"),
        ("niños", "childcare"),
        ("ninos", "childcare"),
        ("grocries", "groceries"),  # misspelt
        ("transprt", "transport"),
        ("companionship", "companionship"),
        ("compañía", "companionship"),
        ("errand", "errands"),
        ("  Mandados ", "errands"),
    ],
)
def test_synonyms_spanish_and_misspellings_resolve(typed, key):
    assert categories.resolve(typed) == key


@pytest.mark.parametrize("typed", ["", "   ", "xyzzy", "helicopter"])
def test_unknown_words_resolve_to_nothing(typed):
    assert categories.resolve(typed) is None


def test_default_people_needed_comes_from_the_file():
    assert categories.default_people_needed("childcare") == 2
    assert categories.default_people_needed("groceries") == 1


def test_a_broken_file_names_the_entry(tmp_path):
    bad = tmp_path / "categories.toml"
    bad.write_text('[food]\nen = "Food"\npeople_needed = 3\n')
    with pytest.raises(CategoryConfigError, match=r"\[food\]"):
        load_categories(bad)
    bad.write_text('[food]\nen = "Food"\nes = "Comida"\npeople_needed = 40\n')
    with pytest.raises(CategoryConfigError, match="1 to 15"):
        load_categories(bad)
