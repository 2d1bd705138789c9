"""Build script: the distribution's names come from goreleaser.yaml, the release description.

Metadata that names things (distribution, import package, command) is derived here rather than
declared in pyproject.toml, so wrapping another GoReleaser CLI means changing goreleaser.yaml
and nothing else. The build hook itself lives in ``wrapper/build.py``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from setuptools import setup

HERE = Path(__file__).resolve().parent


def _import_wrapper() -> ModuleType:
    # ``wrapper/`` is the package's source folder. It is imported under a private name here:
    # the installed name is derived from goreleaser.yaml, which this import is needed to read.
    name = "_wrapper_at_build_time"
    spec = importlib.util.spec_from_file_location(
        name, HERE / "wrapper" / "__init__.py", submodule_search_locations=[str(HERE / "wrapper")]
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


wrapper = _import_wrapper()
build = importlib.import_module(f"{wrapper.__name__}.build")
release, config_path = build.load()

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
    extras_require={"bootstrap": ["httpx>=0.27", "packaging>=23", "PyYAML>=6", "cryptography>=42"]},
    cmdclass=build.command_classes(release, config_path),
    distclass=build.BinaryDistribution,
    zip_safe=False,
)
