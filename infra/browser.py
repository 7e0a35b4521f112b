"""The headless browser the page tests drive: Debian's Chromium, with a Chinese font.

Playwright (PyPI) drives it through `executable_path`; Playwright's own browser download
needs the internet, so it is never used. `partygrid test` makes sure both are installed:
Debian's packages when missing and we may (root with apt), else it says how.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from infra.errors import SetupError

PACKAGES = ("chromium", "fonts-wqy-microhei")  # the font: Chinese labels, not empty boxes
CANDIDATES = ("chromium", "chromium-browser")


def _chinese_font() -> bool:
    if not shutil.which("fc-list"):
        return False
    found = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
    )
    return bool(found.stdout.strip())


def find_chromium() -> Path | None:
    configured = os.environ.get("PARTYGRID_CHROMIUM")
    if configured:
        return Path(configured) if Path(configured).is_file() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def ensure_chromium(*, install: bool = True) -> Path:
    """The Chromium executable, installing Debian's packages when missing and allowed."""
    chromium = find_chromium()
    if chromium is not None and _chinese_font():
        return chromium
    if install and os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"partygrid: installing {' '.join(PACKAGES)} (for the page tests)", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *PACKAGES]):
            subprocess.run(cmd, check=False, env=env, stdout=subprocess.DEVNULL)
        chromium = find_chromium()
        if chromium is not None and _chinese_font():
            return chromium
    raise SetupError(
        "Chromium or a Chinese font is missing (the page tests drive a headless Chromium)",
        f"sudo apt-get install {' '.join(PACKAGES)}  (or set PARTYGRID_CHROMIUM to a Chromium)",
    )
