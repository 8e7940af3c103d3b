"""Writing revisions through the library: errors, atomicity, post-write hooks, a real upgrade.

Byte-for-byte agreement with Alembic is in test_write_differential.py; here, the behaviour
around it: exact error messages (with nothing written), what happens when the disk fails, hooks
run as Alembic runs them, and a merge that a real ``alembic upgrade heads`` accepts.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic.script import write_hooks as alembic_write_hooks

from hooks.cli import main
from revlib.config import Config
from revlib.script import Script, ScriptDirectory, _filenames
from revlib.script._write_hooks import hook_command
from revlib.script.revision import RevisionError
from revlib.util import atomic
from revlib.util.exc import CommandError

HEADS = ("3f2b8d1c6e45", "9e0f4a6b2c87")
MULTIPLE_HEADS = (
    "Multiple heads are present; please specify the head revision on which the new "
    "revision should be based, or perform a merge."
)


def script_directory(shop: Path, **options: str) -> ScriptDirectory:
    config = Config(str(shop / "alembic.ini"))
    for name, value in options.items():
        config.set_main_option(name, value)
    return ScriptDirectory.from_config(config)


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


# -- the new revision ---------------------------------------------------------------------


def test_merge_of_two_heads_is_added_to_the_map(shop: Path):
    script_dir = script_directory(shop)
    script = script_dir.generate_revision("abc123abc123", "merge heads", head="heads")
    assert isinstance(script, Script)
    assert script.path == str(shop / "migrations/versions/abc123abc123_merge_heads.py")
    assert script.down_revision == HEADS
    assert script_dir.get_heads() == ["abc123abc123"]
    assert script_dir.get_revision("abc1") is script


def test_a_missing_id_is_twelve_hex_digits_from_uuid4(shop: Path):
    script = script_directory(shop).generate_revision(None, "next", head="3f2b8d1c6e45")
    assert script is not None
    assert len(script.revision) == 12
    int(script.revision, 16)
    assert Path(script.path).name == f"{script.revision}_next.py"


def test_depends_on_partial_ids_are_expanded_and_labels_kept(shop: Path):
    script_dir = script_directory(shop)
    script_dir.generate_revision("feed00000001", "side", head="3f2b", branch_labels="side")
    script = script_dir.generate_revision(
        "feed00000002", "uses", head="9e0f", depends_on=["1a9c", "side"]
    )
    assert script is not None
    text = Path(script.path).read_text()
    assert "depends_on: Union[str, Sequence[str], None] = ['1a9c3e5f7b21', 'side']\n" in text


def test_file_name_tokens_and_slug(shop: Path, monkeypatch: pytest.MonkeyPatch):
    import datetime

    instant = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    monkeypatch.setattr(_filenames, "utc_now", lambda: instant)
    script_dir = script_directory(
        shop,
        file_template="%%(year)d/%%(month).2d/%%(day).2d_%%(hour).2d%%(minute).2d_"
        "%%(second).2d_%%(epoch)s_%%(rev)s_%%(slug)s",
        timezone="Asia/Kolkata",
        truncate_slug_length="12",
    )
    script = script_dir.generate_revision("abc123abc123", "Add Émile's table, now!", head="heads")
    assert script is not None
    expected = "2026/01/02_0834_05_1767323045_abc123abc123_add_émile_s_.py"
    assert script.path == str(shop / "migrations/versions" / expected)
    assert "Create Date: 2026-01-02 08:34:05+05:30\n" in Path(script.path).read_text()


@pytest.mark.parametrize(
    ("message", "length", "slug"),
    [
        pytest.param(None, 40, "", id="no-message"),
        pytest.param("Add orders table", 40, "add_orders_table", id="words"),
        pytest.param("add orders table", 11, "add_orders_", id="cut-at-a-word-end"),
        pytest.param("add orders table", 10, "add_", id="cut-drops-the-last-word-even-whole"),
        pytest.param("abcdefghijklmno", 5, "abcde_", id="one-long-word"),
        pytest.param("a,b;;c--d", 40, "a_b_c_d", id="punctuation"),
        pytest.param("ÉTÉ 日本", 40, "été_日本", id="unicode-words"),
    ],
)
def test_slug(message: str | None, length: int, slug: str):
    assert _filenames.slugify(message, length) == slug


# -- errors: exact message, nothing written ----------------------------------------------------


@pytest.mark.parametrize(
    ("options", "kwargs", "error", "message"),
    [
        pytest.param({}, {"head": "head"}, CommandError, MULTIPLE_HEADS, id="multiple-heads"),
        pytest.param(
            {},
            {"head": ["3f2b8d1c6e45", "3f2b"]},
            CommandError,
            "Duplicate head revisions specified",
            id="duplicate-heads",
        ),
        pytest.param(
            {},
            {"head": "7c4d2e9a0b13"},
            CommandError,
            "Revision 7c4d2e9a0b13 is not a head revision; please specify --splice to "
            "create a new branch from this revision",
            id="not-a-head-without-splice",
        ),
        pytest.param(
            {},
            {"head": "nope"},
            CommandError,
            "Can't locate revision identified by 'nope'",
            id="unknown-head",
        ),
        pytest.param(
            {},
            {"head": "heads", "depends_on": ["1a9c", "nope"]},
            CommandError,
            "Can't locate revision identified by 'nope'",
            id="unknown-dependency",
        ),
        pytest.param(
            {},
            {"head": "heads", "depends_on": "base"},
            CommandError,
            "Can't locate revision identified by 'base'",
            id="base-is-no-dependency",
        ),
        pytest.param(
            {"timezone": "Not/AZone"},
            {"head": "heads"},
            CommandError,
            "Can't locate timezone: Not/AZone",
            id="unknown-timezone",
        ),
        pytest.param(
            {"timezone": ""},
            {"head": "heads"},
            CommandError,
            "Can't locate timezone: ",
            id="empty-timezone",
        ),
        pytest.param(
            {"version_locations": "%(here)s/migrations/versions:%(here)s/more"},
            {"head": "base"},
            CommandError,
            "Multiple version locations present, please specify --version-path",
            id="several-locations-need-a-version-path",
        ),
        pytest.param(
            {},
            {"head": "heads", "branch_labels": "3f2b8d1c6e45"},
            RevisionError,
            "Branch name '3f2b8d1c6e45' in revision abc123abc123 already used by "
            "revision 3f2b8d1c6e45",
            id="label-is-an-existing-id",
        ),
        pytest.param(
            {"file_template": "%%(foo)s"},
            {"head": "heads"},
            CommandError,
            "file_template '%(foo)s' cannot be filled in (unknown token 'foo'); it may use "
            "%(rev)s, %(slug)s, %(epoch)s, %(year)s, %(month)s, %(day)s, %(hour)s, "
            "%(minute)s, %(second)s (doubled as %%(rev)s in an ini file)",
            id="unknown-file-template-token",
        ),
    ],
)
def test_errors_leave_the_directory_untouched(
    shop: Path,
    options: dict[str, str],
    kwargs: dict[str, Any],
    error: type[Exception],
    message: str,
):
    before = tree(shop)
    with pytest.raises(error) as raised:
        script_directory(shop, **options).generate_revision("abc123abc123", "msg", **kwargs)
    assert str(raised.value) == message
    assert tree(shop) == before


@pytest.mark.parametrize(
    ("rev_id", "message"),
    [
        pytest.param(
            "a@b", "Character(s) '@' not allowed in revision identifier 'a@b'", id="at-sign"
        ),
        pytest.param(
            "a-b+c:",
            "Character(s) '+, -, :' not allowed in revision identifier 'a-b+c:'",
            id="several-characters",
        ),
        pytest.param("", "Revision identifier may not be empty", id="empty"),
        pytest.param(
            "a/b",
            "Revision identifier 'a/b' may not contain whitespace, path separators or '..'",
            id="slash",
        ),
        pytest.param(
            "..",
            "Revision identifier '..' may not contain whitespace, path separators or '..'",
            id="dot-dot",
        ),
        pytest.param(
            "a b",
            "Revision identifier 'a b' may not contain whitespace, path separators or '..'",
            id="space",
        ),
        pytest.param(
            "a\\b",
            "Revision identifier 'a\\\\b' may not contain whitespace, path separators or '..'",
            id="backslash",
        ),
    ],
)
def test_bad_revision_ids(shop: Path, rev_id: str, message: str):
    before = tree(shop)
    with pytest.raises(CommandError) as raised:
        script_directory(shop).generate_revision(rev_id, "msg", head="heads")
    assert str(raised.value) == message
    assert tree(shop) == before


def test_an_existing_revision_id_is_refused(shop: Path):
    with pytest.raises(CommandError) as raised:
        script_directory(shop).generate_revision("3f2b8d1c6e45", "again", head="heads")
    path = shop / "migrations/versions/3f2b8d1c6e45_create_orders_table.py"
    assert str(raised.value) == (
        f"Revision identifier '3f2b8d1c6e45' is already used as a revision ({path}); "
        "choose another --rev-id"
    )


def test_an_existing_branch_label_is_refused_as_an_id(shop: Path):
    script_dir = script_directory(shop)
    first = script_dir.generate_revision(
        "feed00000001", "x", head="heads", branch_labels="mylabel"
    )
    assert first is not None
    with pytest.raises(CommandError) as raised:
        script_directory(shop).generate_revision("mylabel", "y", head="heads")
    assert str(raised.value) == (
        "Revision identifier 'mylabel' is already used as a branch label of revision "
        f"feed00000001 ({first.path}); choose another --rev-id"
    )


def test_an_existing_file_is_never_overwritten(shop: Path):
    # In a subdirectory that is not read (recursive_version_locations is off), so that the
    # file exists without being a revision.
    target = shop / "migrations/versions/keep/abc123abc123_msg.py"
    target.parent.mkdir()
    target.write_bytes(b"keep me\n")
    before = tree(shop)
    with pytest.raises(CommandError) as raised:
        script_directory(shop, file_template="keep/%%(rev)s_%%(slug)s").generate_revision(
            "abc123abc123", "msg", head="heads"
        )
    assert str(raised.value) == (
        f"{target} already exists; revlib never overwrites a file. Choose another --rev-id "
        "or message, or move that file away"
    )
    assert tree(shop) == before


@pytest.mark.parametrize(
    ("file_template", "message", "fragment"),
    [
        pytest.param("../%%(rev)s", "msg", "outside its version location", id="parent-dir"),
        pytest.param("/tmp/%%(rev)s", "msg", "outside its version location", id="absolute"),
        pytest.param(
            "%%(slug)s/%%(rev)s", None, "outside its version location", id="empty-slug-root"
        ),
        pytest.param("%%(slug)s", None, "the empty file name", id="empty-name"),
    ],
)
def test_file_template_cannot_escape_the_version_location(
    shop: Path, file_template: str, message: str | None, fragment: str
):
    before = tree(shop)
    with pytest.raises(CommandError, match=fragment):
        script_directory(shop, file_template=file_template).generate_revision(
            "abc123abc123", message, head="heads"
        )
    assert tree(shop) == before
    assert not Path("/abc123abc123.py").exists()


def test_template_without_branch_labels_is_refused_before_writing(shop: Path):
    template = shop / "migrations/script.py.mako"
    template.write_text(
        template.read_text().replace("${repr(branch_labels)}", "None"), encoding="utf-8"
    )
    before = tree(shop)
    with pytest.raises(CommandError) as raised:
        script_directory(shop).generate_revision(
            "abc123abc123", "msg", head="heads", branch_labels="feature"
        )
    path = shop / "migrations/versions/abc123abc123_msg.py"
    assert str(raised.value) == (
        f"Version abc123abc123 specified branch_labels feature, however the migration file "
        f"{path} does not have them; have you upgraded your script.py.mako to include the "
        "'branch_labels' section?"
    )
    assert tree(shop) == before


def test_missing_template(shop: Path):
    (shop / "migrations/script.py.mako").unlink()
    with pytest.raises(CommandError) as raised:
        script_directory(shop).generate_revision("abc123abc123", "msg", head="heads")
    assert str(raised.value) == (
        f"Can't read the revision template {shop / 'migrations/script.py.mako'}: No such file "
        "or directory; revisions are written from <script_location>/script.py.mako"
    )


def test_template_failing_to_render_points_to_a_report(shop: Path):
    (shop / "migrations/script.py.mako").write_text("${no_such_name.attribute}\n")
    before = tree(shop)
    with pytest.raises(CommandError, match=r"^Template rendering failed; see (\S+\.txt) for") as e:
        script_directory(shop).generate_revision("abc123abc123", "msg", head="heads")
    report = Path(str(e.value).split()[4])
    assert "no_such_name" in report.read_text()
    report.unlink()
    assert tree(shop) == before


# -- atomicity ---------------------------------------------------------------------------------


def enospc(*args: Any, **kwargs: Any) -> Any:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def half_then_enospc(real_write: Callable[[int, Any], int]) -> Callable[[int, Any], int]:
    calls = []

    def write_(fd: int, data: Any) -> int:
        calls.append(fd)
        if len(calls) == 1:
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    return write_


@pytest.mark.parametrize(
    ("target", "make_fault"),
    [
        pytest.param("link", lambda real: enospc, id="link-fails"),
        pytest.param("write", half_then_enospc, id="disk-full-mid-write"),
        pytest.param("fsync", lambda real: enospc, id="fsync-fails"),
        pytest.param("open", lambda real: enospc, id="temp-file-cannot-be-created"),
    ],
)
def test_a_failed_write_leaves_nothing_and_a_rerun_succeeds(
    shop: Path, monkeypatch: pytest.MonkeyPatch, target: str, make_fault: Callable[..., Any]
):
    before = tree(shop)
    versions = shop / "migrations/versions"
    with monkeypatch.context() as patch:
        patch.setattr(atomic.os, target, make_fault(getattr(os, target)))
        with pytest.raises(CommandError) as raised:
            script_directory(shop).generate_revision("abc123abc123", "msg", head="heads")
    assert str(raised.value) == (
        f"Can't write {versions / 'abc123abc123_msg.py'}: No space left on device"
    )
    assert tree(shop) == before
    script = script_directory(shop).generate_revision("abc123abc123", "msg", head="heads")
    assert script is not None
    assert sorted(os.listdir(versions)) == sorted(
        [
            *(Path(p).name for p in before if p.startswith("migrations/versions/")),
            "abc123abc123_msg.py",
        ]
    )


def test_without_hard_links_the_file_is_created_exclusively(tmp_path: Path, monkeypatch):
    def no_links(*args: Any) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(atomic.os, "link", no_links)
    atomic.write_new_file(tmp_path / "new.py", b"data\n")
    assert (tmp_path / "new.py").read_bytes() == b"data\n"
    with pytest.raises(FileExistsError):
        atomic.write_new_file(tmp_path / "new.py", b"other\n")
    assert (tmp_path / "new.py").read_bytes() == b"data\n"
    assert os.listdir(tmp_path) == ["new.py"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_directory_leaves_nothing(shop: Path):
    versions = shop / "migrations/versions"
    before = tree(shop)
    versions.chmod(0o555)
    try:
        with pytest.raises(CommandError, match="Permission denied"):
            script_directory(shop).generate_revision("abc123abc123", "msg", head="heads")
    finally:
        versions.chmod(0o755)
    assert tree(shop) == before
    assert script_directory(shop).generate_revision("abc123abc123", "msg", head="heads")


def test_a_read_only_directory_as_root_sees_eacces(shop: Path, monkeypatch: pytest.MonkeyPatch):
    """Root ignores permission bits, so the EACCES that a read-only directory gives is injected."""
    real_open = os.open

    def open_(path: Any, flags: int, mode: int = 0o777, **kw: Any) -> int:
        if Path(path).parent == shop / "migrations/versions" and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path, flags, mode, **kw)

    before = tree(shop)
    with monkeypatch.context() as patch:
        patch.setattr(atomic.os, "open", open_)
        with pytest.raises(CommandError, match="Permission denied"):
            script_directory(shop).generate_revision("abc123abc123", "msg", head="heads")
    assert tree(shop) == before
    assert script_directory(shop).generate_revision("abc123abc123", "msg", head="heads")


def test_write_new_file_refuses_an_existing_file(tmp_path: Path):
    target = tmp_path / "x.py"
    target.write_bytes(b"old")
    with pytest.raises(FileExistsError):
        atomic.write_new_file(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["x.py"]


def test_write_new_file_respects_the_umask(tmp_path: Path):
    old = os.umask(0o027)
    try:
        atomic.write_new_file(tmp_path / "x.py", b"data")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "x.py").stat().st_mode) == 0o640


def test_replace_file_keeps_the_mode_and_leaves_no_temp(tmp_path: Path):
    target = tmp_path / "x.py"
    target.write_bytes(b"old")
    target.chmod(0o640)
    atomic.replace_file(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["x.py"]


def test_replace_file_failing_keeps_the_old_content(tmp_path: Path, monkeypatch):
    target = tmp_path / "x.py"
    target.write_bytes(b"old")
    monkeypatch.setattr(atomic.os, "replace", enospc)
    with pytest.raises(OSError):
        atomic.replace_file(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["x.py"]


@pytest.mark.parametrize("replace", ["replace_file", "replace_source_file"])
def test_a_rewrite_within_the_second_is_seen_only_without_its_stale_pyc(
    tmp_path: Path, replace: str
) -> None:
    """Python trusts a .pyc whose source keeps its size and whole-second mtime, as a
    re-parent (one id for another of the same length) right after Alembic compiled the file
    does: replace_source_file drops the compiled forms of that file, and only those."""
    import importlib.util
    import py_compile

    source = tmp_path / "m.py"
    source.write_text("down_revision = 'aaaa'\n")
    for optimize in (-1, 1):
        py_compile.compile(str(source), optimize=optimize, doraise=True)
    cache = tmp_path / "__pycache__"
    for other in ("m.y.cpython-311.pyc", "other.cpython-311.pyc", "m.txt"):
        (cache / other).write_bytes(b"not ours")
    before = source.stat()
    getattr(atomic, replace)(source, b"down_revision = 'bbbb'\n")
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))  # the same second

    spec = importlib.util.spec_from_file_location("m", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fresh = replace == "replace_source_file"
    assert module.down_revision == ("bbbb" if fresh else "aaaa")
    left = set(os.listdir(cache))
    assert {"m.txt", "m.y.cpython-311.pyc", "other.cpython-311.pyc"} <= left  # not m.py's
    optimized = f"m.{sys.implementation.cache_tag}.opt-1.pyc"
    assert (optimized in left) is not fresh  # m.py's own: stale unless dropped


# -- post-write hooks ---------------------------------------------------------------------------

APPEND = "import sys; open(sys.argv[1], 'a').write('# hooked from ' + sys.argv[2] + '\\n')"


def add_hooks(shop: Path, section: str) -> None:
    ini = shop / "alembic.ini"
    text = ini.read_text()
    assert text.count("[post_write_hooks]\n") == 1
    ini.write_text(text.replace("[post_write_hooks]\n", f"[post_write_hooks]\n{section}\n"))


def test_exec_hook_runs_on_the_new_file_before_it_is_read(shop: Path):
    add_hooks(
        shop,
        f"hooks = tag\ntag.type = exec\ntag.executable = {sys.executable}\n"
        f'tag.options = -c "{APPEND}" REVISION_SCRIPT_FILENAME exec',
    )
    script = script_directory(shop).generate_revision("abc123abc123", "msg", head="heads")
    assert script is not None
    assert Path(script.path).read_text().endswith("    pass\n# hooked from exec\n")


def test_module_hook_with_cwd(shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "stamp_cwd.py").write_text(
        "import os, sys\nopen(sys.argv[1], 'a').write('# cwd ' + os.getcwd() + '\\n')\n"
    )
    monkeypatch.syspath_prepend(str(tools))
    add_hooks(
        shop,
        f"hooks = stamp\nstamp.type = module\nstamp.module = stamp_cwd\nstamp.cwd = {tools}",
    )
    script = script_directory(shop).generate_revision("abc123abc123", "msg", head="heads")
    assert script is not None
    assert Path(script.path).read_text().endswith(f"# cwd {tools}\n")


def test_console_scripts_hook_runs_the_entry_point(shop: Path, capfd: pytest.CaptureFixture):
    add_hooks(shop, "hooks = show\nshow.type = console_scripts\nshow.entrypoint = mako-render")
    script = script_directory(shop).generate_revision("abc123abc123", "msg", head="heads")
    assert script is not None
    assert "revision: str = 'abc123abc123'" in capfd.readouterr().out


HOOK_CONFIGS = [
    pytest.param(
        {"_hook_name": "b", "type": "console_scripts", "entrypoint": "alembic"},
        id="console-scripts",
    ),
    pytest.param(
        {"_hook_name": "b", "type": "console_scripts", "entrypoint": "alembic", "options": "-x 1"},
        id="console-scripts-token-first",
    ),
    pytest.param(
        {"_hook_name": "r", "type": "module", "module": "json.tool", "cwd": "/"},
        id="module-with-cwd",
    ),
    pytest.param(
        {
            "_hook_name": "r",
            "type": "exec",
            "executable": "ruff",
            "options": "check --fix 'REVISION_SCRIPT_FILENAME' --line-length=\"99\"",
        },
        id="exec-quoted-token",
    ),
    pytest.param({"_hook_name": "x"}, id="missing-type"),
    pytest.param({"_hook_name": "x", "type": "black"}, id="unknown-type"),
    pytest.param({"_hook_name": "x", "type": "exec"}, id="missing-executable"),
    pytest.param({"_hook_name": "x", "type": "module"}, id="missing-module"),
    pytest.param({"_hook_name": "x", "type": "module", "module": "no_such_mod"}, id="no-module"),
    pytest.param(
        {"_hook_name": "x", "type": "console_scripts", "entrypoint": "nope"}, id="no-entry-point"
    ),
]


@pytest.mark.parametrize("hook", HOOK_CONFIGS)
def test_hook_commands_and_errors_match_alembic(hook: dict[str, str], monkeypatch):
    """The argument list, working directory and errors Alembic's write_hooks produce (its
    subprocess.run is replaced by a recorder: the command is compared, not run)."""
    path = "/project/versions/abc_msg.py"
    seen: list[tuple[list[str], str | None]] = []
    monkeypatch.setattr(
        alembic_write_hooks.subprocess,
        "run",
        lambda command, cwd=None, **kw: seen.append((command, cwd)),
    )
    try:
        alembic_write_hooks._run_hooks(path, [hook])
    except Exception as error:
        with pytest.raises(CommandError) as ours:
            hook_command(path, hook)
        assert (type(error).__name__, str(error)) == ("CommandError", str(ours.value))
    else:
        assert [hook_command(path, hook)] == seen


def test_a_hook_executable_that_does_not_exist(shop: Path):
    add_hooks(shop, "hooks = fmt\nfmt.type = exec\nfmt.executable = no-such-formatter-xyz")
    with pytest.raises(CommandError) as raised:
        script_directory(shop).generate_revision("abc123abc123", "msg", head="heads")
    assert str(raised.value) == (
        "post write hook 'fmt' could not run no-such-formatter-xyz: No such file or directory"
    )


# -- Alembic runs what revlib writes -----------------------------------------------------------


def alembic(shop: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args], cwd=shop, capture_output=True, text=True
    )


def test_alembic_upgrades_a_real_database_through_the_merge(shop: Path):
    failed = alembic(shop, "upgrade", "head")
    assert failed.returncode != 0
    assert "Multiple head revisions are present" in failed.stderr
    assert (
        main(["-c", str(shop / "alembic.ini"), "merge", "-m", "m", "--rev-id", "abc123abc123"])
        == 0
    )
    upgraded = alembic(shop, "upgrade", "heads")
    assert upgraded.returncode == 0, upgraded.stderr
    assert (shop / "shop.db").exists()
    current = alembic(shop, "current")
    assert current.stdout == "abc123abc123 (head) (mergepoint)\n"
    assert alembic(shop, "upgrade", "head").returncode == 0


# -- imports ---------------------------------------------------------------------------------


def test_reading_never_imports_mako(shop: Path):
    code = (
        "import sys\n"
        "import revlib.script, revlib.script.write\n"
        "from revlib.config import Config\n"
        f"sd = revlib.script.ScriptDirectory.from_config(Config({str(shop / 'alembic.ini')!r}))\n"
        "assert sd.get_heads()\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('mako', 'git'))\n"
        "print(loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n"


def test_writing_imports_mako_only_then(shop: Path):
    code = (
        "import sys\n"
        "from revlib.config import Config\n"
        "from revlib.script import ScriptDirectory\n"
        f"sd = ScriptDirectory.from_config(Config({str(shop / 'alembic.ini')!r}))\n"
        "sd.generate_revision('abc123abc123', 'x', head='heads')\n"
        "print('mako' in sys.modules, 'git' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout == "True False\n", result.stderr
