"""Building this package's sdist, as the release pipeline does, for installs under test."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def build_sdist(out_dir: Path, root: Path = ROOT) -> Path:
    """``python -m build --sdist`` of a checkout into ``out_dir``; return the archive."""
    command = [sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(out_dir)]
    subprocess.run([*command, str(root)], check=True, capture_output=True)
    (built,) = out_dir.glob("*.tar.gz")
    return built


def copy_checkout(dest: Path) -> Path:
    """The files an sdist is built from, copied so a test can change one (add pins, say)."""
    dest.mkdir(parents=True)
    for name in ("setup.py", "pyproject.toml", "MANIFEST.in", "README.md", "goreleaser.yaml"):
        shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(
        ROOT / "wrapper", dest / "wrapper", ignore=shutil.ignore_patterns("__pycache__", "bin")
    )
    return dest
