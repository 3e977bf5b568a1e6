"""report.html in a real headless Chromium (Debian's package, installed by setup.sh): the screenshot shows the
plots, and the same page with its pictures broken does not pass the same check."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    pytest.skip("no Chromium on PATH (setup.sh installs Debian's chromium where it runs as root)")


def screenshot(page: Path, png: Path, tmp_path: Path) -> "object":
    from PIL import Image

    done = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,3600",
                           f"--screenshot={png}", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert png.is_file(), done.stderr[-2000:]
    return Image.open(png).convert("RGB")


def plot_rows(image: "object") -> int:
    """Rows of the screenshot holding saturated colour (matplotlib's markers, lines and bars; text is grey)."""
    import numpy as np

    pixels = np.asarray(image, dtype=np.int16)
    saturated = (pixels.max(axis=2) - pixels.min(axis=2)) > 80
    return int((saturated.sum(axis=1) >= 3).sum())


def test_the_report_shows_its_plots_in_a_browser(comparison, tmp_path):
    out, report, _ = comparison
    page = out / "report.html"
    text = page.read_text()
    assert text.count('<img class="plot"') == 4
    shown = plot_rows(screenshot(page, tmp_path / "report.png", tmp_path))
    broken = tmp_path / "broken.html"
    broken.write_text(re.sub(r'src="data:image/png;base64,[^"]+"', 'src="data:image/png;base64,AAAA"', text))
    missing = plot_rows(screenshot(broken, tmp_path / "broken.png", tmp_path))
    assert shown > 400, f"{shown} rows with plot colours"
    assert missing < 50, f"{missing} rows with plot colours without the pictures"
