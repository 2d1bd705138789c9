"""A command run with a tiny tmpfs mounted at a directory: a real full disk, for it alone.

The mount lives in a mount namespace of the command's own (``unshare --mount``), so it needs no
clean-up and nothing else on the machine sees it. Root may mount tmpfs directly; another user
gets the right from a user namespace (``--user --map-root-user``), where the kernel allows one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

__all__ = ["on_a_tiny_disk"]

# What a build hook writes before the archive: the cache's folders and a probe file. An archive
# of the test release (about 0.6 MB) cannot fit.
SIZE = "64k"


def on_a_tiny_disk(mountpoint: Path, command: list[str]) -> list[str]:
    """``command`` run with a ``SIZE`` tmpfs mounted at ``mountpoint`` (created if missing).

    Skips the test where the platform has no ``unshare`` or forbids the mount; on Linux as
    root it must work, so it fails there instead of skipping.
    """
    unshare = shutil.which("unshare")
    if unshare is None or sys.platform != "linux":
        pytest.skip("needs Linux and unshare(1), from util-linux")
    mountpoint.mkdir(parents=True, exist_ok=True)
    namespace = (
        [unshare, "--mount"]
        if os.geteuid() == 0
        else [unshare, "--user", "--map-root-user", "--mount"]
    )
    script = 'mount -t tmpfs -o "size=$1,mode=0700" tmpfs "$2" && shift 2 && exec "$@"'
    wrapped = [*namespace, "sh", "-c", script, "sh", SIZE, str(mountpoint)]
    probe = subprocess.run([*wrapped, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        if os.geteuid() == 0:
            raise AssertionError(f"root could not mount a tmpfs: {probe.stderr.strip()}")
        pytest.skip(f"cannot mount a tmpfs here: {probe.stderr.strip()}")
    return [*wrapped, *command]
