"""The geocoder chain: literal coordinates, offline ZIP codes, and geopy's real Nominatim
client talking to a loopback fake Nominatim over a socket; the cache and the outage path.
Nothing here reads the wall clock: the slow service holds its answer until the test lets
it go, and the rate limiter's waits are recorded on a fake clock (the real figures are in
benchmarks/waits_bench.py)."""

import threading
import types

import pytest
from geopy.extra.rate_limiter import RateLimiter
from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.geo.geocoding import (
    AmbiguousPlace,
    Geocoder,
    GeocodeUnavailable,
    PlaceNotFound,
    geocoder_for,
    normalise_query,
)
from mutualaid.models import GeocodeCache
from mutualaid.settings import Settings
from tests.fakes.nominatim import FakePlace

BEDFORD = FakePlace(
    40.7169, -73.9590, "100, Bedford Avenue, Williamsburg, Brooklyn, New York, 11211, United States"
)


def test_literal_coordinates_are_used_as_is(app, fake_geocoder, nominatim):
    place = fake_geocoder.geocode(db.session, " 40.7142, -73.9614 ")
    assert (place.lat, place.lng, place.source) == (40.7142, -73.9614, "latlng")
    assert nominatim.searches() == []


@pytest.mark.parametrize("text", ["91,10", "40.7,-181", "-95.1,20"])
def test_out_of_range_coordinates_are_refused_with_a_clear_message(app, fake_geocoder, text):
    with pytest.raises(PlaceNotFound, match="latitude between -90 and 90"):
        fake_geocoder.geocode(db.session, text)


def test_us_zip_codes_resolve_offline(app, fake_geocoder, nominatim):
    place = fake_geocoder.geocode(db.session, "11211")
    assert place.source == "postal"
    assert abs(place.lat - 40.7095) < 0.01 and abs(place.lng + 73.9563) < 0.01
    assert "Brooklyn" in place.display
    assert fake_geocoder.geocode(db.session, "11211-1234").lat == place.lat
    assert nominatim.searches() == []  # never left the machine


def test_the_offline_path_works_without_nominatim_in_the_chain(app):
    geocoder = Geocoder(chain=("latlng", "postal"))
    assert geocoder.geocode(db.session, "10001").source == "postal"
    with pytest.raises(PlaceNotFound, match="ZIP code"):
        geocoder.geocode(db.session, "100 Bedford Ave")


def test_unknown_zip_code_says_so(app, fake_geocoder):
    with pytest.raises(PlaceNotFound, match="We do not know the ZIP code 00000"):
        fake_geocoder.geocode(db.session, "00000")


def test_addresses_go_through_geopy_to_nominatim_with_our_user_agent(app, fake_geocoder, nominatim):
    nominatim.add("100 bedford ave brooklyn", BEDFORD)
    place = fake_geocoder.geocode(db.session, "100 Bedford Ave, Brooklyn")
    assert (place.lat, place.lng, place.source) == (40.7169, -73.959, "nominatim")
    assert place.display.startswith("100, Bedford Avenue")
    [request] = nominatim.searches()
    assert request["params"]["q"] == "100 Bedford Ave, Brooklyn"
    assert request["params"]["format"] == "json"
    assert request["params"]["countrycodes"] == "us"
    assert request["user_agent"].startswith("mutualaid/")


def test_answers_are_cached_by_normalised_query(app, fake_geocoder, nominatim):
    nominatim.add("100 bedford ave brooklyn", BEDFORD)
    first = fake_geocoder.geocode(db.session, "100 Bedford Ave, Brooklyn")
    again = fake_geocoder.geocode(db.session, "  100 bedford ave ,  BROOKLYN. ")
    assert (again.lat, again.lng, again.source) == (first.lat, first.lng, "cache")
    assert len(nominatim.searches()) == 1
    row = db.session.scalar(select(GeocodeCache))
    assert row.query == "us|100 bedford ave, brooklyn"
    assert row.source == "nominatim"
    # The cache outlives the process's geocoder: a new one (another worker) uses it too.
    nominatim.mode = "down"
    other = Geocoder(nominatim_url=nominatim.url, min_delay_seconds=0, timeout=1)
    assert other.geocode(db.session, "100 Bedford Ave, Brooklyn").source == "cache"


def test_normalise_query():
    assert normalise_query("  100  Bedford Ave ,Brooklyn.") == "100 bedford ave, brooklyn"


def test_unknown_place_is_permanent_with_a_way_to_try_again(app, fake_geocoder, nominatim):
    with pytest.raises(PlaceNotFound) as err:
        fake_geocoder.geocode(db.session, "Nowhere Lane 999")
    assert not err.value.retryable
    assert "another spelling, a ZIP code, or coordinates" in str(err.value.message)
    assert db.session.scalar(select(GeocodeCache)) is None  # failures are not cached


def test_far_apart_matches_are_ambiguous(app, fake_geocoder, nominatim):
    nominatim.add(
        "main street",
        FakePlace(
            40.7035, -73.9909, "Main Street, DUMBO, Brooklyn", cls="highway", type="residential"
        ),
        FakePlace(
            40.7590, -73.8302, "Main Street, Flushing, Queens", cls="highway", type="residential"
        ),
    )
    with pytest.raises(AmbiguousPlace) as err:
        fake_geocoder.geocode(db.session, "Main Street")
    assert "More than one place matches" in str(err.value.message)
    assert len(err.value.candidates) == 2 and "Flushing" in err.value.candidates[1]


def test_a_house_is_not_ambiguous_with_the_long_street_it_is_on(app, fake_geocoder, nominatim):
    nominatim.add(
        "500 bedford ave",
        FakePlace(40.7050, -73.9620, "500, Bedford Avenue, Brooklyn", cls="place", type="house"),
        FakePlace(40.6600, -73.9530, "Bedford Avenue, Brooklyn", cls="highway", type="primary"),
    )
    place = fake_geocoder.geocode(db.session, "500 Bedford Ave")
    assert (place.lat, place.lng) == (40.7050, -73.9620)


def test_close_matches_are_one_place(app, fake_geocoder, nominatim):
    nominatim.add(
        "mccarren park",
        FakePlace(40.7206, -73.9514, "McCarren Park, Greenpoint, Brooklyn"),
        FakePlace(40.7212, -73.9520, "McCarren Park Track, Greenpoint, Brooklyn"),
    )
    assert fake_geocoder.geocode(db.session, "McCarren Park").lat == 40.7206


@pytest.mark.parametrize("mode", ["down", "error"])
def test_an_outage_is_retryable(app, fake_geocoder, nominatim, mode):
    nominatim.mode = mode
    with pytest.raises(GeocodeUnavailable) as err:
        fake_geocoder.geocode(db.session, "100 Bedford Ave")
    assert err.value.retryable


def test_a_slow_service_times_out_and_is_retryable(app, nominatim, monkeypatch):
    """The client gives up on its own timeout while the service still holds the request
    (if it waited for the answer it would get one, an empty list, and PlaceNotFound)."""
    holding, answer = threading.Event(), threading.Event()

    def hold(seconds: float) -> None:  # the fake's "sleep past the client's timeout"
        holding.set()
        answer.wait(seconds)

    monkeypatch.setattr("tests.fakes.nominatim.time", types.SimpleNamespace(sleep=hold))
    nominatim.mode, nominatim.delay = "timeout", 60.0
    geocoder = Geocoder(nominatim_url=nominatim.url, min_delay_seconds=0, timeout=0.5)
    try:
        with pytest.raises(GeocodeUnavailable) as err:
            geocoder.geocode(db.session, "100 Bedford Ave")
        assert err.value.retryable
        assert "read timeout=0.5" in str(err.value.__cause__)  # our timeout, not the server
        assert holding.wait(timeout=30)  # the request reached the service, unanswered
        assert not answer.is_set()
    finally:
        answer.set()


@pytest.fixture
def limiter_clock(monkeypatch, nominatim):
    """geopy's RateLimiter on a fake clock: each wait it asks for is recorded (with how
    many searches the service had seen by then) and passes at once (plus a microsecond, so
    float rounding never leaves a residual wait)."""
    clock = types.SimpleNamespace(now=1000.0, waits=[])

    def sleep(self, seconds: float) -> None:
        clock.waits.append((len(nominatim.searches()), round(seconds, 6)))
        clock.now += seconds + 1e-6

    monkeypatch.setattr(RateLimiter, "_clock", lambda self: clock.now)
    monkeypatch.setattr(RateLimiter, "_sleep", sleep)
    return clock


def test_requests_are_paced_by_the_rate_limiter(app, nominatim, limiter_clock):
    geocoder = Geocoder(nominatim_url=nominatim.url, min_delay_seconds=0.4, timeout=1)
    for q in ("somewhere one", "somewhere two", "somewhere three"):
        with pytest.raises(PlaceNotFound):
            geocoder.geocode(db.session, q)
    # three calls, two waits of 0.4 s: after the first search, and after the second
    assert limiter_clock.waits == [(1, 0.4), (2, 0.4)]
    assert [r["params"]["q"] for r in nominatim.searches()] == [
        "somewhere one",
        "somewhere two",
        "somewhere three",
    ]


def test_settings_build_the_chain_with_one_request_per_second():
    settings = Settings.from_env(
        {"MUTUALAID_ENV": "testing", "GEOCODER": "postal, nominatim", "DEFAULT_COUNTRY": "us"}
    )
    geocoder = geocoder_for(settings)
    assert geocoder.chain == ("postal", "nominatim")
    assert geocoder.min_delay_seconds == 1.0
    assert geocoder.country == "US"
    assert geocoder.timeout == 5.0
