"""A local stand-in for Geonorge's download server, and the zips it serves, built in code.

The server (``FakeGeonorge``, run by :func:`serve_fake_geonorge`; the ``site`` fixture of
``conftest.py`` runs one per test) serves fixture zips, honours ``Range`` / ``If-Range`` like a
real file server, and follows a per-file script of faults, one per request: ``500``, ``slow``
(no answer before the client's timeout), ``truncate`` (announce the full length, send half,
close), ``stall`` (send half, then nothing until the client's timeout).
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from layers.addresses import KARTVERKET_HEADER_LINE
from tests.fixtures import sha256_hex

ADDRESS_DIR = "/MatrikkelenAdresse/CSV"  # where the default URL templates point
KOMMUNER_DIR = "/Kommuner/GeoJSON"
SLOW_S = 1.5  # the server's delay for "slow" and "stall": longer than a test's short timeout


# ---------------------------------------------------------------- fixtures built in code


def address_zip(path: Path, knr: str, navn: str, rows: int = 1500) -> bytes:
    """A Geonorge-like address zip: one folder with a 46-column Matrikkelen Adresse CSV."""
    draw = random.Random(int(knr))
    columns = KARTVERKET_HEADER_LINE.split(";")
    lines = [KARTVERKET_HEADER_LINE]
    for row in range(rows):
        values = dict.fromkeys(columns, "")
        values.update(
            {
                "kommunenummer": knr,
                "kommunenavn": navn.upper(),
                "adresseTekst": f"Testveien {row + 1}",
                "EPSG-kode": "25833",
                "Nord": f"{6_640_000 + draw.uniform(0, 9000):.2f}",
                "Øst": f"{260_000 + draw.uniform(0, 9000):.2f}",
                "adresseId": str(300_000_000 + row),
                "uuidAdresse": f"{draw.getrandbits(128):032x}",
            }
        )
        lines.append(";".join(values[c] for c in columns))
    stem = f"Basisdata_{knr}_{navn}_25833_MatrikkelenAdresse_CSV"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}/matrikkelenAdresse.csv", "\r\n".join(lines) + "\r\n")
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def kommuner_zip(path: Path, kommuner: dict[str, str]) -> bytes:
    """A Kartverket Basisdata kommune GeoJSON zip: ``{"Kommune": FC, "Grense": FC}``."""
    features = [
        {
            "type": "Feature",
            "properties": {"kommunenummer": knr, "kommunenavn": name},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[x, y], [x + 9000, y], [x + 9000, y + 9000], [x, y + 9000], [x, y]]
                ],
            },
        }
        # 9 km squares in a row in southern Norway (a layer elsewhere is refused)
        for x, y, (knr, name) in zip(
            range(200_000, 10**6, 10_000),
            [6_600_000] * len(kommuner),
            kommuner.items(),
            strict=False,
        )
    ]
    crs = {"type": "name", "properties": {"name": "EPSG:25833"}}
    document = {
        "Kommune": {"type": "FeatureCollection", "crs": crs, "features": features},
        "Grense": {"type": "FeatureCollection", "crs": crs, "features": []},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(path.with_suffix(".geojson").name, json.dumps(document))
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def corrupt(data: bytes) -> bytes:
    """The zip with bytes flipped inside its compressed data (CRC or inflate fails)."""
    middle = len(data) // 2
    return data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 64]) + data[middle + 64 :]


# ---------------------------------------------------------------- the local server


@dataclass
class Route:
    body: bytes
    faults: list[str] = field(default_factory=list)
    honour_range: bool = True

    @property
    def etag(self) -> str:
        return f'"{sha256_hex(self.body)[:16]}"'


@dataclass
class FakeGeonorge:
    """Routes by path, a log of every request's path and headers, faults consumed in order."""

    base_url: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str, body: bytes, faults: list[str] | None = None) -> str:
        self.routes[path] = Route(body, list(faults or []))
        return self.base_url + path

    def requests_to(self, url: str) -> list[dict[str, str]]:
        path = urlsplit(url).path
        return [headers for p, headers in self.requests if p == path]


class Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        site: FakeGeonorge = self.server.site  # type: ignore[attr-defined]
        path = urlsplit(self.path).path
        with site.lock:
            site.requests.append((path, dict(self.headers.items())))
            route = site.routes.get(path)
            fault = route.faults.pop(0) if route and route.faults else None
        # the client may have given up (timeout): as a real server, carry on
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer(route, fault)

    def _answer(self, route: Route | None, fault: str | None) -> None:
        if route is None:
            self.send_error(404, "Not Found")
            return
        if fault == "500":
            self.send_error(500, "Internal Server Error")
            return
        if fault == "slow":
            time.sleep(SLOW_S)
        status, start = self._range(route)
        body = route.body[start:]
        if status == 416:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(route.body)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", route.etag)
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header(
                "Content-Range", f"bytes {start}-{len(route.body) - 1}/{len(route.body)}"
            )
        self.end_headers()
        if fault in ("truncate", "stall"):
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            if fault == "stall":
                time.sleep(SLOW_S)
            else:
                return  # HTTP/1.0: the connection closes, short of Content-Length
        self.wfile.write(body[len(body) // 2 :] if fault == "stall" else body)

    def _range(self, route: Route) -> tuple[int, int]:
        """(status, first byte) honouring ``Range: bytes=N-`` and ``If-Range``."""
        requested = self.headers.get("Range", "")
        if_range = self.headers.get("If-Range")
        if not (route.honour_range and requested.startswith("bytes=") and requested.endswith("-")):
            return 200, 0
        if if_range is not None and if_range != route.etag:
            return 200, 0
        start = int(requested[len("bytes=") : -1])
        return (416, 0) if start >= len(route.body) else (206, start)


@contextlib.contextmanager
def serve_fake_geonorge() -> Iterator[FakeGeonorge]:
    """Run a :class:`FakeGeonorge` on a free port of 127.0.0.1 until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake = FakeGeonorge(base_url=f"http://127.0.0.1:{server.server_address[1]}")
    server.site = fake  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def serve_kommune(site: FakeGeonorge, tmp_path: Path, knr: str, navn: str) -> dict[str, bytes]:
    """Put a kommune's address zip and boundary zip where the default templates point."""
    stem = f"Basisdata_{knr}_{navn}_25833"
    files = {
        f"{ADDRESS_DIR}/{stem}_MatrikkelenAdresse_CSV.zip": address_zip(
            tmp_path / f"{stem}_a.zip", knr, navn, rows=300
        ),
        f"{KOMMUNER_DIR}/{stem}_Kommuner_GeoJSON.zip": kommuner_zip(
            tmp_path / f"{stem}_Kommuner_GeoJSON.zip", {knr: navn}
        ),
    }
    for path, body in files.items():
        site.add(path, body)
    return files
