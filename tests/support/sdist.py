"""Building this package's sdist, as the release pipeline does, for installs under test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def build_sdist(out_dir: Path) -> Path:
    """``python -m build --sdist`` of this checkout into ``out_dir``; return the archive."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--sdist",
            "--no-isolation",
            "--outdir",
            str(out_dir),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out_dir.glob("*.tar.gz")
    return built
