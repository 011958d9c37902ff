"""The coordinator map's tile setting and the front-end vendor step (tools/vendor_static.py)."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json

import pytest

from mutualaid.settings import PROJECT_ROOT, Settings, SettingsError, map_tile_origin


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tiles.example.org/{z}/{x}/{y}@2x.png", "https://*.tiles.example.org"),
        ("http://127.0.0.1:8080/t/{z}/{x}/{y}.png", "http://127.0.0.1:8080"),
        ("ftp://tiles.example.org/{z}/{x}/{y}.png", None),
        ("https://tiles.example.org/static.png", None),
        ("https://evil.example.org; script-src *;/{z}/{x}/{y}", None),
    ],
)
def test_the_tile_host_becomes_the_csp_image_source(url, origin):
    assert map_tile_origin(url) == origin


def test_a_bad_tile_url_stops_start_up_with_the_variable_name():
    with pytest.raises(SettingsError, match="MAP_TILE_URL"):
        Settings.from_env({"MAP_TILE_URL": "tiles.example.org"}).validate()
    default = Settings.from_env({})
    default.validate()
    assert default.map_tile_url == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def _vendor_module():
    spec = importlib.util.spec_from_file_location(
        "vendor_static", PROJECT_ROOT / "tools/vendor_static.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_served_library_is_pinned_with_an_integrity_hash():
    vendor = _vendor_module()
    lock = vendor.pinned()
    manifest = json.loads((PROJECT_ROOT / "package.json").read_text())["dependencies"]
    for name in vendor.SERVED:
        assert lock[name]["version"] == manifest[name]  # exact versions, no ranges
        assert lock[name]["integrity"].startswith("sha512-")


def test_a_tarball_that_does_not_match_the_lock_file_is_refused():
    vendor = _vendor_module()
    good = b"leaflet tarball bytes"
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(good).digest()).decode()
    vendor.check_integrity("leaflet", good, integrity)
    with pytest.raises(SystemExit, match="integrity mismatch"):
        vendor.check_integrity("leaflet", good + b"!", integrity)
