"""A loopback Nominatim: answers ``/search`` (format=json / jsonv2) like the real service.

geopy's real ``Nominatim`` geocoder talks to it over a socket. Places are registered by
query text (matched case- and space-insensitively, as a substring of the query, the way the
real service tolerates extra words); unknown queries return ``[]`` like the real service.
``mode`` simulates an outage: "down" answers 503, "error" 500, "timeout" sleeps past the
client's timeout. Every request is recorded (path, params, user agent).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LICENCE = "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]", " ", text.lower())).strip()


@dataclass
class FakePlace:
    lat: float
    lon: float
    display_name: str
    osm_type: str = "way"
    cls: str = "building"
    type: str = "yes"
    importance: float = 0.3

    def as_json(self, place_id: int) -> dict:
        d = 0.0005
        return {
            "place_id": place_id,
            "licence": LICENCE,
            "osm_type": self.osm_type,
            "osm_id": 100000 + place_id,
            "lat": f"{self.lat:.7f}",
            "lon": f"{self.lon:.7f}",
            "class": self.cls,
            "type": self.type,
            "place_rank": 30,
            "importance": self.importance,
            "addresstype": "building",
            "name": self.display_name.split(",")[0],
            "display_name": self.display_name,
            "boundingbox": [
                f"{self.lat - d:.7f}",
                f"{self.lat + d:.7f}",
                f"{self.lon - d:.7f}",
                f"{self.lon + d:.7f}",
            ],
        }


@dataclass
class FakeNominatim:
    places: dict[str, list[FakePlace]] = field(default_factory=dict)
    mode: str = "ok"  # ok | down | error | timeout
    delay: float = 3.0  # seconds slept in "timeout" mode
    requests: list[dict] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, query: str, *places: FakePlace) -> None:
        self.places[_norm(query)] = list(places)

    def searches(self) -> list[dict]:
        return [r for r in self.requests if r["path"] == "/search"]

    def lookup(self, query: str) -> list[FakePlace]:
        q = _norm(query)
        if q in self.places:
            return self.places[q]
        for key, found in self.places.items():
            if key and key in q:
                return found
        return []

    def start(self) -> FakeNominatim:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                fake.requests.append(
                    {
                        "path": parts.path,
                        "params": params,
                        "user_agent": self.headers.get("User-Agent", ""),
                    }
                )
                if fake.mode == "timeout":
                    time.sleep(fake.delay)
                if fake.mode == "down":
                    return self._send(503, b"<html><body>Service Unavailable</body></html>")
                if fake.mode == "error":
                    return self._send(500, b"Internal Server Error")
                if parts.path == "/status":
                    return self._json(200, {"status": 0, "message": "OK"})
                if parts.path not in ("/search", "/search.php"):
                    return self._send(404, b"Not Found")
                if not params.get("q"):
                    return self._json(
                        400, {"error": {"code": 400, "message": "Nothing to search for."}}
                    )
                limit = int(params.get("limit", "10"))
                found = fake.lookup(params["q"])[:limit]
                return self._json(200, [p.as_json(i + 1) for i, p in enumerate(found)])

            def _json(self, status: int, body) -> None:
                self._send(status, json.dumps(body).encode(), "application/json; charset=utf-8")

            def _send(self, status: int, body: bytes, ctype: str = "text/html") -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout mode)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)
