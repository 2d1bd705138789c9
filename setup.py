"""Build script: the distribution's names come from goreleaser.yaml, the release description.

Metadata that names things (distribution, import package, command) is derived here rather than
declared in pyproject.toml, so wrapping another GoReleaser CLI means changing goreleaser.yaml
and nothing else. In a checkout it is read from goreleaser.yaml; in an sdist from the record
written when the sdist was built (``wrapper/release.json``, see ``wrapper/description.py``).
The build hook itself lives in ``wrapper/build.py``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent


sys.path.insert(0, str(HERE / "wrapper"))  # the build backend's folder, as pyproject names it
from _backend import import_wrapper  # type: ignore[import-not-found]  # noqa: E402

wrapper = import_wrapper()
build = importlib.import_module(f"{wrapper.__name__}.build")
keyless = importlib.import_module(f"{wrapper.__name__}.keyless")
release, description = build.load()

setup(
    name=release.project_name,
    version=wrapper.__version__,
    description=f"The {release.project_name} command-line tool, installed with pip",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    url=f"https://github.com/{release.repository}",
    license="Apache-2.0",
    python_requires=">=3.9",
    packages=[release.import_name],
    package_dir={release.import_name: "wrapper"},
    package_data={release.import_name: ["py.typed", "pinned-checksums.txt", "cosign.pub"]},
    entry_points={
        "console_scripts": [
            f"{release.command_name}={release.import_name}.__main__:main",
        ]
    },
    extras_require={
        "bootstrap": ["httpx[socks]>=0.27", "packaging>=23", "PyYAML>=6", "cryptography>=42"],
        keyless.EXTRA: list(keyless.REQUIREMENTS),
    },
    cmdclass=build.command_classes(release, description),
    distclass=build.BinaryDistribution,
    zip_safe=False,
)
