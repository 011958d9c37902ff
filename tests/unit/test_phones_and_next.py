import pytest

from mutualaid.phones import InvalidPhone, mask_phone, normalise_phone
from mutualaid.web.access import safe_next


@pytest.mark.parametrize(
    "raw", ["(718) 555-0102", "718.555.0102", "+1 718 555 0102", "1-718-555-0102"]
)
def test_us_numbers_normalise_to_e164(raw):
    assert normalise_phone(raw, "US") == "+17185550102"


@pytest.mark.parametrize("raw", ["", "hello", "555", "+1 000 000 0000"])
def test_bad_numbers_get_a_readable_error(raw):
    with pytest.raises(InvalidPhone):
        normalise_phone(raw, "US")


def test_masked_numbers_keep_only_the_last_four_digits():
    assert mask_phone("+17185550102") == "+1 •••-•••-0102"
    assert "555" not in mask_phone("+17185550102")


@pytest.mark.parametrize("target", ["/", "/account/profile", "/admin/people?q=a"])
def test_on_site_next_is_kept(target):
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/\t/evil.example",
        "evil.example",
        "",
        None,
    ],
)
def test_off_site_next_is_dropped(target):
    assert safe_next(target) is None
