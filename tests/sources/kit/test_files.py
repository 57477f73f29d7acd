"""`FileIndex` finds a listed file whatever case, URL encoding or doubled folder the label table uses."""

from __future__ import annotations

import string
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgll_data.sources.files import FileIndex, path_key

PART = st.text(alphabet=string.ascii_lowercase + string.digits + " _-", min_size=1, max_size=8).filter(
    lambda s: s.strip() == s and s not in (".", "..")
)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def trees(draw):
    """Distinct relative file paths (1-3 folders deep) with image suffixes."""
    paths = draw(
        st.lists(
            st.tuples(st.lists(PART, min_size=0, max_size=2), PART, st.sampled_from([".png", ".jpg", ".JPG"])),
            min_size=1,
            max_size=6,
        )
    )
    unique = {}
    for folders, stem, suffix in paths:
        relative = "/".join([*folders, stem + suffix])
        unique.setdefault(path_key(relative), relative)
    return sorted(unique.values())


@SETTINGS
@given(tree=trees(), variant=st.sampled_from(["upper", "quoted", "doubled", "backslash"]))
def test_every_spelling_of_a_listed_path_finds_the_file_on_disk(tmp_path_factory, tree, variant):
    root = tmp_path_factory.mktemp("tree")
    for relative in tree:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(b"x")
    index = FileIndex(root)
    for relative in tree:
        parts = relative.split("/")
        if variant == "upper":
            listed = relative.upper()
        elif variant == "quoted":
            listed = "/".join(quote(part) for part in parts)
        elif variant == "doubled":
            listed = "/".join([parts[0], *parts]) if len(parts) > 1 else relative
        else:
            listed = "\\".join(parts)
        assert index.find(listed) == root / relative, (listed, relative)


@settings(max_examples=100, deadline=None)
@given(st.lists(PART, min_size=1, max_size=5))
def test_path_key_is_a_normal_form(parts):
    key = path_key("/".join(parts))
    assert path_key("/".join(key)) == key
    assert all(a != b for a, b in zip(key, key[1:], strict=False))  # no part repeated at once


def test_find_under_a_folder_and_by_stem(tmp_path):
    (tmp_path / "Training_Set" / "Training_Set").mkdir(parents=True)
    (tmp_path / "Training_Set" / "Training_Set" / "IM001.JPG").write_bytes(b"x")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "IM001.png").write_bytes(b"x")
    index = FileIndex(tmp_path)
    found = tmp_path / "Training_Set" / "Training_Set" / "IM001.JPG"
    assert index.find("IM001.jpg", under="Training_Set") == found
    assert index.find_stem("im001", (".png", ".jpg"), under=tmp_path / "Training_Set") == found
    assert index.find_name("IM001.png") == tmp_path / "other" / "IM001.png"
    assert index.find("IM001.jpg", under=tmp_path.parent) is None  # a folder outside the root finds nothing
    assert index.files_under("other") == [tmp_path / "other" / "IM001.png"]


def test_a_new_folder_is_resolved_through_its_cached_parent(tmp_path, monkeypatch) -> None:
    """The root guard resolves each new folder from its parent's cached resolution (MIMIC: every study is a new
    folder), and the answer is still the full `realpath`, links in the middle of the path included."""
    import os

    from mgll_data.sources import base

    (tmp_path / "real" / "p10").mkdir(parents=True)
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "files").symlink_to(tmp_path / "real")
    paths = []
    for study in range(5):
        folder = tmp_path / "real" / "p10" / f"s{study}"
        folder.mkdir()
        (folder / "a.jpg").write_bytes(b"x")
        paths.append(str(tmp_path / "root" / "files" / "p10" / f"s{study}" / "a.jpg"))
    (tmp_path / "real" / "p10" / "s4" / "b.jpg").symlink_to(tmp_path / "real" / "p10" / "s0" / "a.jpg")
    paths.append(str(tmp_path / "root" / "files" / "p10" / "s4" / "b.jpg"))
    cache: dict[str, str] = {}
    assert base._resolved(paths[0], cache) == os.path.realpath(paths[0])
    realpath, calls = os.path.realpath, []
    monkeypatch.setattr(os.path, "realpath", lambda path: calls.append(path) or realpath(path))
    assert [base._resolved(path, cache) for path in paths[1:]] == [realpath(path) for path in paths[1:]]
    # only the linked file itself (under its resolved folder); each new study folder came from its parent
    assert calls == [str(tmp_path / "real" / "p10" / "s4" / "b.jpg")]
