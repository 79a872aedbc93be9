"""Headless screenshots of the HTML reports at desktop and phone width, to look at what people will see.

Renders ``compliance audit --format html`` of the real scraped pages (../shared/data/archive-aeb, read in
place) — or any HTML file given with ``--html`` — with Debian's chromium, at 1280 and 390 px wide, into
``--out`` (default: a temporary directory, printed). The browser runs with no network, no sync, no
component updates and a throw-away profile, so it loads nothing but the file.

    apt-get install -y chromium
    python bench/screens.py                       # audit report of the real pages
    python bench/screens.py --html report.html --out /tmp/shots
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

AEB = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "archive-aeb" / "html"
WIDTHS = (1280, 390)
HEIGHT = 2400
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars")


def browser() -> str | None:
    """The chromium binary, if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def audit_report(target: Path) -> Path:
    """The audit HTML report of the real pages, written to ``target``."""
    with target.open("w", encoding="utf-8") as fh:
        subprocess.run([sys.executable, "-m", "compliance", "audit", str(AEB), "-j", "2", "--no-progress",
                        "--format", "html", "--fail-on", "never"], stdout=fh, check=True, timeout=600)
    return target


def screenshot(html: Path, png: Path, width: int, height: int = HEIGHT, binary: str | None = None,
               fragment: str = "") -> Path:
    """One headless screenshot of ``html`` at ``width`` x ``height`` CSS pixels, scrolled to ``#fragment``
    if given (also how a CSS-sorted table is shown sorted: ``--fragment by-deny``)."""
    with tempfile.TemporaryDirectory(prefix="screens-profile-") as profile:
        subprocess.run([binary or browser() or "chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                        f"--screenshot={png}", f"--window-size={width},{height}",
                        html.resolve().as_uri() + (f"#{fragment}" if fragment else "")],
                       check=True, timeout=120, capture_output=True)
    return png


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--html", type=Path, help="an HTML report (default: audit the real pages)")
    parser.add_argument("--out", type=Path, help="directory for the PNGs (default: a temporary one)")
    parser.add_argument("--height", type=int, default=HEIGHT)
    parser.add_argument("--fragment", default="", help="scroll to this id (e.g. publishers, by-deny)")
    args = parser.parse_args()
    binary = browser()
    if binary is None:
        sys.exit("chromium not found: apt-get install -y chromium")
    out = args.out or Path(tempfile.mkdtemp(prefix="screens-"))
    out.mkdir(parents=True, exist_ok=True)
    html = args.html or audit_report(out / "audit.html")
    for width in WIDTHS:
        name = f"{html.stem}-{width}{'-' + args.fragment if args.fragment else ''}.png"
        print(screenshot(html, out / name, width, args.height, binary, args.fragment))


if __name__ == "__main__":
    main()
