"""Build script: the distribution's names come from goreleaser.yaml, the release description.

Metadata that names things (distribution, import package, command) is derived here rather than
declared in pyproject.toml, so wrapping another GoReleaser CLI means changing goreleaser.yaml
and nothing else. In a checkout it is read from goreleaser.yaml; in an sdist from the record
written when the sdist was built (``wrapper/release.json``, see ``wrapper/description.py``).
The build hook itself lives in ``wrapper/build.py``.
"""

from __future__ import annotations

import importlib
import shutil
import sys
from pathlib import Path
from typing import Any

from setuptools import setup

HERE = Path(__file__).resolve().parent


sys.path.insert(0, str(HERE / "wrapper"))  # the build backend's folder, as pyproject names it
from _backend import import_wrapper  # type: ignore[import-not-found]  # noqa: E402

wrapper = import_wrapper()
build = importlib.import_module(f"{wrapper.__name__}.build")
project = importlib.import_module(f"{wrapper.__name__}.project")
release, description = build.load()
info = project.read_project()
commands = build.command_classes(release, description)
# The files an sdist has beside the package, carried in the installed package's _sdist/, so
# that `bootstrap sdist` can write another project's sdist from an installed package.
SETUP_DIR, SETUP_FILES = "_sdist", ("setup.py", "pyproject.toml", "MANIFEST.in")


_BuildPy: Any = commands["build_py"]


class BuildPyWithSetupFiles(_BuildPy):  # type: ignore[misc]
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib, release.import_name, SETUP_DIR)
        target.mkdir(parents=True, exist_ok=True)
        for name in SETUP_FILES:
            shutil.copyfile(HERE / name, target / name)


commands["build_py"] = BuildPyWithSetupFiles

setup(
    name=release.project_name,
    version=wrapper.__version__,
    description=info.summary_for(release.project_name),
    long_description=build.long_description(release),
    long_description_content_type="text/markdown",
    url=release.homepage,
    license=info.license_expression,
    python_requires=project.REQUIRES_PYTHON,
    packages=[release.import_name],
    package_dir={release.import_name: "wrapper"},
    package_data={
        release.import_name: [
            "py.typed",
            "pinned-checksums.txt",
            "cosign.pub",
            "project.json",
        ]
    },
    entry_points={
        "console_scripts": [
            f"{release.command_name}={release.import_name}.__main__:main",
        ]
    },
    extras_require=project.extras(),
    cmdclass=commands,
    distclass=build.BinaryDistribution,
    zip_safe=False,
)
