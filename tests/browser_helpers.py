"""Looking at outputs as a person does: a headless Chromium driven over the DevTools protocol
(through a pipe, standard library only), LibreOffice to print a workbook, and the pixels of a
screenshot or a printed page.

Nothing here touches the network: Chromium is started with its background networking off, and
every http(s) request a page makes is blocked (and recorded) rather than sent.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
PDFTOPPM = shutil.which("pdftoppm")


@dataclass
class PageLoad:
    """What a page did while it loaded: its console errors, uncaught exceptions and requests."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


class Browser:
    """Headless Chromium, one page, spoken to over ``--remote-debugging-pipe``."""

    def __init__(self, width: int = 1400, height: int = 1000) -> None:
        assert CHROMIUM is not None
        self.profile = tempfile.TemporaryDirectory(prefix="casecheck-chromium-")
        to_browser_r, self._write = os.pipe()
        self._read, from_browser_w = os.pipe()
        args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
                "--disable-default-apps", "--mute-audio", "--hide-scrollbars", f"--window-size={width},{height}",
                f"--user-data-dir={self.profile.name}", "--remote-debugging-pipe", "about:blank"]

        def fds() -> None:  # the browser reads commands on fd 3 and writes replies on fd 4
            high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        # (pass_fds: the descriptors the child keeps once fds() has run)
        self.proc = subprocess.Popen(args, pass_fds=(3, 4), preexec_fn=fds,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._id = 0
        self._replies: dict[int, queue.Queue] = {}
        self.events: queue.Queue = queue.Queue()
        threading.Thread(target=self._reader, daemon=True).start()
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=True)
        self.call("Network.setBlockedURLs", session=True, urls=["http://*", "https://*", "ws://*", "wss://*", "ftp://*"])

    def _reader(self) -> None:
        buf = b""
        with os.fdopen(self._read, "rb", buffering=0) as fh:
            while True:
                chunk = fh.read(65536)
                if not chunk:
                    return
                buf += chunk
                while b"\0" in buf:
                    raw, buf = buf.split(b"\0", 1)
                    msg = json.loads(raw)
                    if "id" in msg and msg["id"] in self._replies:
                        self._replies[msg["id"]].put(msg)
                    else:
                        self.events.put(msg)

    def call(self, method: str, session: bool = False, timeout: float = 30, **params) -> dict:
        self._id += 1
        msg: dict = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        reply: queue.Queue = queue.Queue()
        self._replies[self._id] = reply
        os.write(self._write, json.dumps(msg).encode() + b"\0")
        answer = reply.get(timeout=timeout)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer.get("result", {})

    def load(self, url: str, timeout: float = 30) -> PageLoad:
        """Open ``url`` and wait for its load event (and a moment for late errors)."""
        seen = PageLoad()
        self.call("Page.navigate", session=True, url=url)
        deadline = time.monotonic() + timeout
        loaded = None
        while time.monotonic() < deadline:
            if loaded is not None and time.monotonic() > loaded + 0.5:
                break
            try:
                msg = self.events.get(timeout=0.1)
            except queue.Empty:
                continue
            method, params = msg.get("method"), msg.get("params", {})
            if method == "Page.loadEventFired":
                loaded = time.monotonic()
            elif method == "Runtime.exceptionThrown":
                seen.errors.append(json.dumps(params.get("exceptionDetails", {}))[:500])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                seen.errors.append(json.dumps(params.get("args", []))[:500])
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                seen.errors.append(params["entry"].get("text", "")[:500])
            elif method == "Network.requestWillBeSent":
                seen.requests.append(params.get("request", {}).get("url", ""))
        assert loaded is not None, f"{url} did not finish loading in {timeout}s"
        return seen

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, selector: str) -> bytes:
        """A PNG of the element ``selector`` (scrolled to, whole)."""
        box = self.evaluate(
            f"(function () {{ var el = document.querySelector({json.dumps(selector)}); el.scrollIntoView();"
            " var r = el.getBoundingClientRect();"
            " return {x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height}; })()")
        shot = self.call("Page.captureScreenshot", session=True, format="png", captureBeyondViewport=True,
                         clip={**box, "scale": 1})
        return base64.b64decode(shot["data"])

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the browser may already be gone
            self.call("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._write)
        self.profile.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ---------------------------------------------------------------------------------------------
# Pixels
# ---------------------------------------------------------------------------------------------
def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Width, height and the RGB(A) pixels of an 8-bit, non-interlaced PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    prev = bytearray(stride)
    pixels: list[tuple[int, ...]] = []
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = prev[i]
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                corner = prev[i - channels] if i >= channels else 0
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        pixels += [tuple(line[i:i + 3]) for i in range(0, stride, channels)]
        prev = line
    return width, height, pixels


def ppm_pixels(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Width, height and RGB pixels of a binary PPM (what pdftoppm writes)."""
    parts = data.split(maxsplit=4)
    assert parts[0] == b"P6", "not a binary PPM"
    width, height = int(parts[1]), int(parts[2])
    body = parts[4]
    return width, height, [tuple(body[i:i + 3]) for i in range(0, width * height * 3, 3)]


def ink(pixels: list[tuple[int, ...]]) -> tuple[float, int]:
    """The share of pixels that are not near-white, and how many distinct colours there are."""
    dark = sum(1 for p in pixels if min(p) < 235)
    return dark / max(1, len(pixels)), len(set(pixels))


# ---------------------------------------------------------------------------------------------
# LibreOffice
# ---------------------------------------------------------------------------------------------
def to_pdf(path: Path, outdir: Path) -> Path:
    """Print a workbook to PDF with LibreOffice (its own profile in ``outdir``)."""
    assert SOFFICE is not None
    proc = subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation=file://{outdir / 'lo-profile'}", "--convert-to", "pdf",
         "--outdir", str(outdir), str(path)],
        capture_output=True, text=True, timeout=300,
    )
    pdf = outdir / (path.stem + ".pdf")
    assert proc.returncode == 0 and pdf.exists(), proc.stderr
    return pdf


def pdf_page_text(pdf: Path, page: int) -> str:
    assert PDFTOTEXT is not None
    return subprocess.run([PDFTOTEXT, "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def pdf_page_pixels(pdf: Path, page: int, dpi: int = 40) -> tuple[int, int, list[tuple[int, ...]]]:
    assert PDFTOPPM is not None
    out = subprocess.run([PDFTOPPM, "-f", str(page), "-l", str(page), "-r", str(dpi), str(pdf)],
                         capture_output=True, check=True).stdout
    return ppm_pixels(out)
