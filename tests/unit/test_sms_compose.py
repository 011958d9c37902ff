"""Composition: encoding detection, segment counts, ASCII twins, the segment cap."""

import pytest

from mutualaid.sms.compose import compose, count_segments, is_gsm7, normalise_text


def test_plain_text_is_gsm7_and_fits_160_per_single_segment():
    assert count_segments("a" * 160) == ("GSM-7", 1)
    assert count_segments("a" * 161) == ("GSM-7", 2)
    assert count_segments("a" * 306) == ("GSM-7", 2)  # 2 x 153
    assert count_segments("a" * 307) == ("GSM-7", 3)


def test_extension_characters_take_two_septets():
    assert count_segments("€" * 80) == ("GSM-7", 1)
    assert count_segments("€" * 81) == ("GSM-7", 2)
    assert is_gsm7("[brackets] {braces} ~tilde~ ^caret^ |pipe| \\")


def test_characters_outside_gsm7_force_ucs2_at_70_and_67():
    assert count_segments("á" * 70) == ("UCS-2", 1)  # á is not in GSM-7
    assert count_segments("á" * 71) == ("UCS-2", 2)
    assert count_segments("á" * 134) == ("UCS-2", 2)
    assert count_segments("á" * 135) == ("UCS-2", 3)
    assert count_segments("ok 🙂") == ("UCS-2", 1)


def test_spanish_letters_in_gsm7_stay_gsm7_and_accents_are_kept():
    text = "Necesito ayuda con la compra, señora Núñez"
    assert compose(text).body == text
    assert compose("¿Puedes ayudar? ¡Sí!").body == "¿Puedes ayudar? ¡Sí!"


def test_curly_quotes_dashes_and_nbsp_become_ascii_so_the_text_stays_gsm7():
    text = "\u201cGot it\u201d \u2014 we\u2019ll text you\u00a0soon\u2026"
    assert normalise_text(text) == '"Got it" - we\'ll text you soon...'
    composed = compose(text)
    assert composed.encoding == "GSM-7" and composed.segments == 1


@pytest.mark.parametrize(("text", "cap"), [("word " * 200, 2), ("palabra ñ á " * 80, 3)])
def test_long_bodies_are_cut_to_the_segment_cap(text, cap):
    composed = compose(text, max_segments=cap)
    assert composed.truncated and composed.segments <= cap
    assert composed.body.endswith("...")
    assert count_segments(composed.body)[1] == composed.segments


def test_short_bodies_are_untouched():
    composed = compose("  Got it: need A7K, groceries near 11211.  ", max_segments=1)
    assert composed.body == "Got it: need A7K, groceries near 11211."
    assert not composed.truncated and composed.segments == 1
