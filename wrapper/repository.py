"""Where a release's assets are downloaded from: a GitHub, GitLab or Gitea repository.

GoReleaser publishes to the repository of its ``release`` block (``release.github``,
``release.gitlab`` or ``release.gitea``), or, with none, to the one the git remote ``origin``
names. Each host has its own download URL form (GoReleaser's ``internal/client``:
``ReleaseURLTemplate`` in github.go, gitlab.go and gitea.go), under a base URL set by
``github_urls.download`` (GitHub Enterprise), ``gitlab_urls.download`` (self-managed GitLab) or
``gitea_urls.download``/``gitea_urls.api`` (internal/pipe/defaults).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlsplit

from ._redact import redact
from .errors import ConfigError

__all__ = ["Host", "Repository", "parse_remote"]

Host = Literal["github", "gitlab", "gitea"]

# The download URL of each public host, GoReleaser's defaults (internal/client, DefaultGitHub-
# and DefaultGitLabDownloadURL; Gitea has none: it comes from gitea_urls).
PUBLIC_HOSTS: dict[str, tuple[Host, str]] = {
    "github.com": ("github", "https://github.com"),
    "gitlab.com": ("gitlab", "https://gitlab.com"),
    "codeberg.org": ("gitea", "https://codeberg.org"),
    "gitea.com": ("gitea", "https://gitea.com"),
}


@dataclass(frozen=True)
class Repository:
    """One repository's releases: ``host`` kind, ``download`` base URL, ``owner`` and ``name``.

    ``owner`` may hold slashes (GitLab subgroups) or be empty (a GitLab project given by name).
    ``package_registry`` is GitLab's ``gitlab_urls.use_package_registry`` (or
    ``use_job_token``), whose assets live in the generic package registry under ``api``.
    """

    host: Host
    download: str  # base URL without a trailing slash: https://github.com
    owner: str
    name: str
    package_registry: bool = False
    api: str = ""  # GitLab's API URL, for the package registry form

    @property
    def path(self) -> str:
        """``owner/name`` (just ``name`` for a GitLab project given without owner)."""
        return f"{self.owner}/{self.name}" if self.owner else self.name

    @property
    def homepage(self) -> str:
        return f"{self.download}/{self.path}"

    @property
    def releases_page(self) -> str:
        """The page listing every release (GitLab puts ``/-/`` before ``releases``)."""
        return (
            f"{self.homepage}/-/releases" if self.host == "gitlab" else f"{self.homepage}/releases"
        )

    def release_url(self, tag: str, project_name: str, version: str) -> str:
        """The directory URL (ending in ``/``) under which the assets of release ``tag`` are.

        GitHub and Gitea: ``<download>/<owner>/<name>/releases/download/<tag>/``. GitLab:
        ``<download>/<owner>/<name>/-/releases/<tag>/downloads/``, the release's direct asset
        links, which GoReleaser creates for every upload; with the package registry, the
        generic package ``<api>/projects/<owner%2Fname>/packages/generic/<project>/<version>/``
        that GoReleaser uploads into (gitlab.go ``Upload``, client-go ``FormatPackageURL``).
        The tag is path-escaped as GoReleaser's ``urlPathEscape`` does.
        """
        escaped = _path_escape(tag)
        if self.host == "gitlab" and self.package_registry:
            project = quote(self.path, safe="")
            return (
                f"{self.api}/projects/{project}/packages/generic/"
                f"{_path_escape(project_name)}/{_path_escape(version)}/"
            )
        if self.host == "gitlab":
            return f"{self.homepage}/-/releases/{escaped}/downloads/"
        return f"{self.homepage}/releases/download/{escaped}/"


def _path_escape(text: str) -> str:
    """Go's ``url.PathEscape``: a path segment keeps ``$&+:=@`` and the unreserved characters."""
    return quote(text, safe="$&+:=@")


# scp-like syntax: [user@]host:path, with no "://" (git's own rule, `man git-clone`).
_SCP = re.compile(r"(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>(?!//).*)")


def parse_remote(url: str) -> tuple[str, str, str]:
    """Split a git remote URL into ``(host, owner, name)``.

    Accepts ``https://host/owner/name(.git)``, ``ssh://[user@]host[:port]/owner/name`` and the
    scp form ``[user@]host:owner/name``. As GoReleaser's ``git.ExtractRepoFromURL``, the name is
    the last path segment without ``.git`` and the owner every segment before it (GitLab
    subgroups). Raises :class:`ConfigError` for anything else.
    """
    text = url.strip()
    if "://" in text:
        parts = urlsplit(text)
        host, path = parts.hostname or "", parts.path
    elif (match := _SCP.fullmatch(text)) is not None:
        host, path = match["host"].lower(), match["path"]
    else:
        host, path = "", ""
    path = path.strip("/")
    path = path[: -len(".git")] if path.endswith(".git") else path
    owner, _, name = path.rpartition("/")
    if not host or not owner or not name or any(not part for part in owner.split("/")):
        raise ConfigError(
            f"the git remote 'origin' {redact(url)!r} does not name a repository: expected "
            "https://HOST/OWNER/NAME or git@HOST:OWNER/NAME; add a release block "
            "(release.github, release.gitlab or release.gitea) to goreleaser.yaml"
        )
    return host, owner, name
