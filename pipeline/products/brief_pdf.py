"""Print HTML pages to PDF with headless Chromium: one browser for many pages.

The browser is driven over the DevTools protocol through a pipe (``--remote-debugging-pipe``:
JSON messages ending in a NUL byte, Chromium reads fd 3 and writes fd 4), so no Python package
beyond the standard library is needed. Measured on the 2-core machine (2026-12-06, Chromium
156): starting the browser ~1.3 s, then ~0.2–0.4 s per page; one
``chromium --headless --print-to-pdf`` process per page took ~2.5 s each.

A page is loaded by navigating to it only when it is the first from its folder; the next
pages of that folder are written into the same document (``Page.setDocumentContent``, the
document's URL, and so the base of relative links, staying that folder's), which saves the
navigation's new document, ~30 % of the time per page (2026-12-07: 215 ms against 314 ms per
brief). Before printing, the printer waits for the page's fonts and for every image to be
decoded (or to have failed, as a loaded page would show it).

Chromium is found as ``$GAPMAP_CHROMIUM`` when set (and then only there), else as
``chromium``, ``chromium-browser`` or ``google-chrome`` on the ``PATH``.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from layers.errors import GapmapError, InternalError

CHROMIUM_NAMES: Final = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_ARGS: Final = (
    "--headless",
    "--remote-debugging-pipe",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
INSTALL_HINT: Final = (
    "install it (Debian/Ubuntu: sudo apt-get install chromium) or set GAPMAP_CHROMIUM to its path"
)
PAGE_TIMEOUT_S: Final = 60.0
READY_JS: Final = (
    "Promise.all([document.fonts.ready,"
    " ...Array.from(document.images, (image) => image.decode().catch(() => null))])"
    ".then(() => true)"
)


class ChromiumMissingError(GapmapError):
    """No Chromium to print PDFs with; the message says how to install it."""


class PdfPrintError(InternalError):
    """Chromium started but did not print a page (it crashed, refused or timed out)."""


def find_chromium() -> Path | None:
    """The Chromium to print with: ``$GAPMAP_CHROMIUM`` when set (None if it is no file),
    else the first of :data:`CHROMIUM_NAMES` on the ``PATH``."""
    chosen = os.environ.get("GAPMAP_CHROMIUM")
    if chosen is not None:
        return Path(chosen) if Path(chosen).is_file() else None
    for name in CHROMIUM_NAMES:
        if found := shutil.which(name):
            return Path(found)
    return None


def require_chromium() -> Path:
    """:func:`find_chromium`, or :class:`ChromiumMissingError` saying how to install it."""
    chromium = find_chromium()
    if chromium is None:
        where = os.environ.get("GAPMAP_CHROMIUM")
        got = f"GAPMAP_CHROMIUM={where} is no file" if where else "no chromium on the PATH"
        msg = f"cannot print PDFs: {got}; expected a headless Chromium: {INSTALL_HINT}"
        raise ChromiumMissingError(msg)
    return chromium


class ChromiumPrinter:
    """One headless Chromium, driven over its DevTools pipe, printing pages to PDF.

    ``with ChromiumPrinter(path) as printer: printer.print_pdf(html_path, pdf_path)``. A page
    prints at its own CSS page size (``@page { size: A4 }``) with its backgrounds.
    """

    def __init__(self, chromium: Path, timeout_s: float = PAGE_TIMEOUT_S) -> None:
        self.chromium = chromium
        self.timeout_s = timeout_s
        self._buffer = b""
        self._events: list[dict[str, Any]] = []
        self._next_id = 0
        self._session = ""
        self._frame = ""
        self._folder: Path | None = None  # the folder of the document loaded by navigating

    def __enter__(self) -> ChromiumPrinter:
        self._profile = tempfile.TemporaryDirectory(prefix="gapmap-chromium-")
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()

        def onto_fds_3_and_4() -> None:  # in the child, before exec
            high_in, high_out = os.dup(commands_read), os.dup(replies_write)
            os.dup2(high_in, 3)
            os.dup2(high_out, 4)
            os.set_inheritable(3, True)  # dup2 onto itself (dup gave 3) keeps close-on-exec
            os.set_inheritable(4, True)

        self._process = subprocess.Popen(
            [str(self.chromium), *CHROMIUM_ARGS, f"--user-data-dir={self._profile.name}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # not pass_fds=(3, 4): that needs fds 3 and 4 open here at the fork, and another
            # thread (a second printer) may just have closed one; fds made here are not
            # inherited (PEP 446), those dup2 makes in the child are
            close_fds=False,
            preexec_fn=onto_fds_3_and_4,
        )
        os.close(commands_read)
        os.close(replies_write)
        try:
            target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
            attached = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})
            self._session = attached["sessionId"]
            self._frame = target  # a page target's main frame has the target's id
            self._call("Page.enable", session=True)
        except BaseException as exc:
            self.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if self._process.poll() is None:
                self._send("Browser.close", {}, session=False)
                self._process.wait(timeout=10)
        except (OSError, PdfPrintError, subprocess.TimeoutExpired):
            self._process.kill()
            self._process.wait()
        finally:
            os.close(self._commands)
            os.close(self._replies)
            self._profile.cleanup()

    def print_pdf(self, html_path: Path, pdf_path: Path) -> Path:
        """Load ``html_path`` (a UTF-8 page), wait for its fonts and images, and write it as
        PDF to ``pdf_path``."""
        self._load(html_path.resolve())
        self._call(
            "Runtime.evaluate",
            {"expression": READY_JS, "awaitPromise": True, "returnByValue": True},
            session=True,
        )
        options = {"preferCSSPageSize": True, "printBackground": True}
        data = self._call("Page.printToPDF", options, session=True)["data"]
        pdf_path.write_bytes(base64.b64decode(data))
        return pdf_path

    def _load(self, html_path: Path) -> None:
        """Navigate to ``html_path`` when it is the first page of its folder (or not UTF-8),
        else write it into the document already loaded from that folder."""
        if html_path.parent == self._folder:
            try:
                html = html_path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                html = None
            if html is not None:
                params = {"frameId": self._frame, "html": html}
                self._call("Page.setDocumentContent", params, session=True)
                return
        self._events.clear()
        self._call("Page.navigate", {"url": html_path.as_uri()}, session=True)
        self._wait(
            lambda m: (
                m.get("method") == "Page.loadEventFired" and m.get("sessionId") == self._session
            ),
            f"{html_path}: the page did not load",
        )
        self._folder = html_path.parent

    def _send(self, method: str, params: dict[str, Any], session: bool) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        try:
            os.write(self._commands, json.dumps(message).encode("utf-8") + b"\0")
        except BrokenPipeError as exc:  # the browser ended before it read the command
            code = self._process.wait(timeout=10)
            msg = f"{method}: Chromium ended (exit code {code}; {self.chromium})"
            raise PdfPrintError(msg) from exc
        return self._next_id

    def _call(
        self, method: str, params: dict[str, Any] | None = None, session: bool = False
    ) -> dict[str, Any]:
        number = self._send(method, params or {}, session)
        reply = self._wait(lambda m: m.get("id") == number, f"Chromium did not answer {method}")
        if "error" in reply:
            msg = f"Chromium refused {method}: {reply['error']}"
            raise PdfPrintError(msg)
        result: dict[str, Any] = reply.get("result", {})
        return result

    def _wait(self, wanted: Any, what: str) -> dict[str, Any]:
        """The first message (an event already read, or one read now) for which ``wanted`` is
        true; the others are kept as events."""
        for index, event in enumerate(self._events):
            if wanted(event):
                return self._events.pop(index)
        deadline = time.monotonic() + self.timeout_s
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if wanted(message):
                    return dict(message)
                self._events.append(message)
            self._read_more(deadline, what)

    def _read_more(self, deadline: float, what: str) -> None:
        ready, _, _ = select.select([self._replies], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            msg = f"{what} within {self.timeout_s:.0f} s ({self.chromium})"
            raise PdfPrintError(msg)
        chunk = os.read(self._replies, 1 << 20)
        if not chunk:
            msg = f"{what}: Chromium ended (exit code {self._process.poll()}; {self.chromium})"
            raise PdfPrintError(msg)
        self._buffer += chunk


def print_pdfs(pages: Iterable[tuple[Path, Path]], chromium: Path) -> list[Path]:
    """Print each (HTML, PDF) pair with one browser; returns the PDFs written."""
    with ChromiumPrinter(chromium) as printer:
        return [printer.print_pdf(html_path, pdf_path) for html_path, pdf_path in pages]
