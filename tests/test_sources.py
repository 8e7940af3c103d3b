"""revlib.sources.select_version_paths: Alembic's discovery rules on plain path lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from revlib.script import _discovery
from revlib.sources import select_version_paths

TREE = [
    "versions/b.py",
    "versions/a.py",
    "versions/__init__.py",
    "versions/.#locked.py",
    "versions/notes.txt",
    "versions/Z.py",
    "versions/sub/c.py",
    "versions/sub/a.py",
    "versions/sub/deeper/x.py",
    "versions/a_dir/y.py",
    "versions/__pycache__/cached.py",
    "versions/__pycache__/inner/kept.py",
    "other/o.py",
    "versionsX/no.py",
]


@pytest.mark.parametrize("recursive", [False, True], ids=["flat", "recursive"])
def test_same_files_and_order_as_alembic_listing(tmp_path: Path, recursive: bool) -> None:
    for name in TREE:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    expected = [
        path.relative_to(tmp_path).as_posix()
        for location in ("versions", "other")
        for path in _discovery.list_files(tmp_path / location, False, recursive)
        if _discovery.is_script_file(path, False)
    ]
    assert select_version_paths(TREE, ["versions", "other"], recursive=recursive) == expected


@pytest.mark.parametrize(
    ("locations", "recursive", "expected"),
    [
        pytest.param(
            ["versions"],
            False,
            ["versions/Z.py", "versions/a.py", "versions/b.py"],
            id="flat",
        ),
        pytest.param(
            ["versions/sub", "versions", "versions/sub"],
            True,
            [
                "versions/sub/a.py",
                "versions/sub/c.py",
                "versions/sub/deeper/x.py",
                "versions/Z.py",
                "versions/a.py",
                "versions/b.py",
                "versions/__pycache__/inner/kept.py",
                "versions/a_dir/y.py",
            ],
            id="a-file-reached-twice-is-listed-once",
        ),
        pytest.param([""], False, [], id="repository-root"),
    ],
)
def test_selection(locations: list[str], recursive: bool, expected: list[str]) -> None:
    assert select_version_paths(TREE, locations, recursive=recursive) == expected


def test_paths_split_as_pure_posix_paths_do() -> None:
    """Every path of up to five pieces among names, dots and slashes splits as PurePosixPath
    splits it (the fast split is only taken when there is nothing to normalise)."""
    import itertools
    from pathlib import PurePosixPath

    from revlib.sources import _parts

    pieces = ["a", "b", ".", "..", "/", ".py"]
    paths = {"".join(c) for k in range(1, 6) for c in itertools.product(pieces, repeat=k)}
    assert [_parts(p) for p in sorted(paths)] == [PurePosixPath(p).parts for p in sorted(paths)]
