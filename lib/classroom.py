"""Links that open the book for a class on an existing JupyterHub (nbgitpuller).

A lecturer whose university runs JupyterHub with `nbgitpuller` installed gives students one
link: clicking it clones this repository into the student's home (or updates it, keeping the
student's own changes), and opens a chapter in JupyterLab. Print it with::

    python -m lib.classroom https://hub.example.edu            # opens the first chapter
    python -m lib.classroom https://hub.example.edu --chapter rotation

The repository and branch come from ``repository.url`` and ``repository.branch`` in
``book/_config.yml``, the one place a fork changes (as for the Binder buttons).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent


def book_repository(config_path: Path | None = None) -> tuple[str, str]:
    """``(url, branch)`` of the repository named in ``book/_config.yml``."""
    config_path = REPO_ROOT / "book" / "_config.yml" if config_path is None else Path(config_path)
    import yaml

    config = yaml.safe_load(config_path.read_text())
    repository = config.get("repository") or {}
    if "url" not in repository:
        raise ValueError(f"{config_path} has no repository.url: set it to the book's GitHub address")
    return repository["url"], repository.get("branch", "main")


def nbgitpuller_link(hub_url: str, repo_url: str, branch: str = "main", chapter: str = "intro",
                     interface: str = "lab") -> str:
    """The link that clones ``repo_url`` (``branch``) on the hub and opens ``book/<chapter>.md``.

    ``hub_url``: the hub's address, e.g. ``https://hub.example.edu`` (with or without a trailing
    slash or path prefix); ``interface``: ``"lab"`` (JupyterLab) or ``"tree"`` (classic).
    """
    parts = urlsplit(hub_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"hub_url must be the hub's address such as https://hub.example.edu, got {hub_url!r}")
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+/?", repo_url):
        raise ValueError(f"repo_url must be a GitHub repository address https://github.com/OWNER/NAME, "
                         f"got {repo_url!r}")
    if not re.fullmatch(r"[A-Za-z0-9_]+", chapter):
        raise ValueError(f"chapter must be a chapter's file name without .md (e.g. 'rotation'), got {chapter!r}")
    if interface not in ("lab", "tree"):
        raise ValueError(f"interface must be 'lab' or 'tree', got {interface!r}")
    folder = repo_url.rstrip("/").rsplit("/", 1)[1]  # nbgitpuller clones into a folder of this name
    query = urlencode({"repo": repo_url.rstrip("/"), "branch": branch,
                       "urlpath": f"{interface}/tree/{folder}/book/{chapter}.md"}, quote_via=quote)
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("hub_url", help="the hub's address, e.g. https://hub.example.edu")
    parser.add_argument("--chapter", default="intro", help="chapter file name without .md (default: intro)")
    parser.add_argument("--classic", action="store_true", help="open the classic notebook interface")
    args = parser.parse_args(argv)
    url, branch = book_repository()
    print(nbgitpuller_link(args.hub_url, url, branch, args.chapter, "tree" if args.classic else "lab"))


if __name__ == "__main__":
    main()
