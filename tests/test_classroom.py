"""Tests of lib.classroom: the nbgitpuller link a lecturer gives a class."""

from urllib.parse import parse_qs, urlsplit

import pytest

from lib.classroom import book_repository, nbgitpuller_link


def test_the_link_clones_the_books_repository_and_opens_a_chapter():
    url, branch = book_repository()
    link = nbgitpuller_link("https://hub.example.edu/", url, branch, "rotation")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "hub.example.edu", "/hub/user-redirect/git-pull")
    query = parse_qs(parts.query)
    folder = url.rstrip("/").rsplit("/", 1)[1]
    assert query == {"repo": [url.rstrip("/")], "branch": [branch],
                     "urlpath": [f"lab/tree/{folder}/book/rotation.md"]}


def test_the_chapter_exists_in_the_book():
    from pathlib import Path

    url, branch = book_repository()
    path = urlsplit(nbgitpuller_link("https://hub.example.edu", url, branch)).query
    chapter = parse_qs(path)["urlpath"][0].rsplit("/book/", 1)[1]
    assert (Path(__file__).resolve().parent.parent / "book" / chapter).is_file()


@pytest.mark.parametrize("args,match", [
    (("hub.example.edu", "https://github.com/a/b"), "hub's address"),
    (("https://hub.example.edu", "git@github.com:a/b.git"), "GitHub repository"),
    (("https://hub.example.edu", "https://github.com/a/b", "main", "../etc"), "chapter"),
    (("https://hub.example.edu", "https://github.com/a/b", "main", "intro", "voila"), "interface"),
])
def test_bad_input_is_refused_with_what_to_do(args, match):
    with pytest.raises(ValueError, match=match):
        nbgitpuller_link(*args)
