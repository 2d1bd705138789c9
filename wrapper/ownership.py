"""Whether a file or directory is the current user's alone; opening files without following links.

A cache is only as trustworthy as the people who can write to it: whoever can rename entries in
a directory can swap an archive there after it was verified, and whoever can plant a symbolic
link below it can steer a write elsewhere. So, as OpenSSH's ``StrictModes`` and pip's cache
check do, the cache is used only if it belongs to the user running the install and nobody else
can write to it. The rule (:func:`not_private`), on POSIX:

- owned by the effective user id of this process (``st_uid == os.geteuid()``);
- not writable by group or others (``mode & 0o022 == 0``);
- below the cache's root, no symbolic links: a directory is checked with ``lstat``, and files
  are opened with ``O_NOFOLLOW`` (:func:`open_nofollow`);
- above it, no directory where group or others may rename what it holds (:func:`open_to_renames`:
  writable by them without the sticky bit, as ``/tmp``'s sticky bit forbids): whoever can rename
  the root can put a directory of their own in its place after it was checked.

Windows has no owner uid or mode bits to check (its ACLs are another model), so there only the
symbolic link rule applies: :func:`not_private` says nothing there.
"""

from __future__ import annotations

import os
import stat
import sys

__all__ = ["NOFOLLOW", "not_private", "open_nofollow", "open_to_renames"]

# O_NOFOLLOW: a symbolic link as the last component fails (ELOOP) instead of being followed.
# O_NONBLOCK: a FIFO planted in place of a file cannot hang the open; regular files ignore it.
# Neither exists on Windows, where the symbolic link check is lstat's alone.
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def not_private(st: os.stat_result, *, platform: str = sys.platform) -> str | None:
    """Why a file or directory with status ``st`` is not the current user's alone; None if it is.

    The reason is a predicate for messages, to follow the path: ``"is owned by uid 65534, not by
    you (uid 1000)"`` or ``"can be written by group or others (mode 0777)"``. On Windows always
    None: no uid or mode bits to judge by.
    """
    if platform == "win32":
        return None
    me = os.geteuid()
    if st.st_uid != me:
        return f"is owned by uid {st.st_uid}, not by you (uid {me})"
    if st.st_mode & 0o022:
        return f"can be written by group or others (mode {stat.S_IMODE(st.st_mode):04o})"
    return None


def open_to_renames(st: os.stat_result, *, platform: str = sys.platform) -> str | None:
    """Why group or others may rename entries of a directory with status ``st`` (a predicate
    for messages, as :func:`not_private`'s); None if they may not. On Windows always None."""
    if platform == "win32":
        return None
    if st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX:
        return (
            f"can be written by group or others without the sticky bit (mode "
            f"{stat.S_IMODE(st.st_mode):04o}), so they can rename what it holds"
        )
    return None


def open_nofollow(path: os.PathLike[str] | str, flags: int, mode: int = 0o600) -> int:
    """``os.open`` that never follows a symbolic link at ``path`` itself: OSError (ELOOP) then."""
    return os.open(path, flags | NOFOLLOW, mode)
