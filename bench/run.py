"""Time revlib against Alembic on synthetic migration directories, whole process each time.

    python bench/run.py            # 100, 1,000 and 10,000 revisions, both shapes and headers
    python bench/run.py --quick    # 100 and 1,000 revisions, fewer runs: under two minutes

Every figure is the median wall time of N runs of a fresh process (``subprocess``, timed from
spawn to exit), and the peak resident memory of those runs, from ``os.wait4`` (each child's own
``ru_maxrss``). Alembic runs in the same session on the same directories: with ``__pycache__``
(a warm-up run writes it) and without (removed before each run). revlib runs with ``--no-cache``
and with its caches warm: a warm-up run writes the header and lint caches and, the files being
more than two seconds old by then (Alembic's runs come first), the kept answers of ``heads``
and ``check``. The projects come from
``bench/generate.py``; each is a git repository whose last migration is staged but not
committed (the pre-commit situation). Merges write a file that is removed after each run.

The figures depend on the machine and on whatever else runs on it; the ratios between revlib
and Alembic, measured side by side, are what carries over.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate

Hook = Callable[[], None]


@dataclass(frozen=True)
class Sample:
    """The runs of one command: wall times (s), peak RSS (KiB), exit codes."""

    times: tuple[float, ...]
    rss_kib: tuple[int, ...]
    codes: tuple[int, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def peak_mib(self) -> float:
        return max(self.rss_kib) / 1024


@dataclass(frozen=True)
class Row:
    """One line of the table: a revlib command against an Alembic one."""

    command: str
    revlib: Sample
    alembic_warm: Sample
    alembic_cold: Sample
    target: str = ""


@dataclass
class Project:
    root: Path
    label: str
    size: int
    rows: list[Row] = field(default_factory=list)

    @property
    def versions(self) -> Path:
        return self.root / "migrations" / "versions"


def run_once(
    argv: Sequence[str], cwd: Path, env: dict[str, str], expected: int = 0
) -> tuple[float, int, int]:
    """Wall time, peak RSS (KiB) and exit code of one process, which must exit ``expected``
    (a crash would be timed as a fast run otherwise)."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = code = os.waitstatus_to_exitcode(status)
        if code != expected:
            errors.seek(0)
            message = errors.read().decode(errors="replace")
            raise RuntimeError(f"{' '.join(argv)} in {cwd} exited {code}:\n{message}")
    return elapsed, usage.ru_maxrss, code


def measure(
    argv: Sequence[str],
    project: Project,
    env: dict[str, str],
    runs: int,
    *,
    warm_up: bool = True,
    before: Hook | None = None,
    after: Hook | None = None,
    expected: int = 0,
) -> Sample:
    """``runs`` timed runs (after an untimed one when ``warm_up``); ``before`` and ``after``
    run untimed around each."""
    results = []
    for index in range(runs + (1 if warm_up else 0)):
        if before is not None:
            before()
        result = run_once(argv, project.root, env, expected)
        if after is not None:
            after()
        if index or not warm_up:
            results.append(result)
    times, rss, codes = zip(*results, strict=True)
    return Sample(tuple(times), tuple(rss), tuple(codes))


def tools() -> tuple[list[str], list[str]]:
    """How to start revlib and alembic: their console scripts beside this Python, as users
    run them, else ``python -m``."""
    bin_dir = Path(sys.executable).parent
    revlib = bin_dir / "revlib"
    alembic = bin_dir / "alembic"
    revlib_argv = [str(revlib)] if revlib.exists() else [sys.executable, "-m", "hooks.cli"]
    alembic_argv = [str(alembic)] if alembic.exists() else [sys.executable, "-m", "alembic"]
    return revlib_argv, alembic_argv


REPO = Path(__file__).resolve().parent.parent


def snapshot(base: Path) -> tuple[Path, str]:
    """A copy of this checkout's packages, so that edits made while the benchmark runs do
    not change what it measures; and which commit it is."""
    target = base / "code"
    for package in ("revlib", "hooks"):
        shutil.copytree(
            REPO / package, target / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    head = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    return target, head or "unknown"


def child_env(code: Path, cache_home: Path) -> dict[str, str]:
    """The children's environment: the snapshot's revlib first on the path (whatever an
    installed revlib points at), no revlib settings, a private cache directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REVLIB_", "PYTHON"))}
    env["PYTHONPATH"] = str(code)
    env["XDG_CACHE_HOME"] = str(cache_home)
    env["LC_ALL"] = "C.UTF-8"
    return env


def make_project(base: Path, size: int, shape: str, header: str) -> Project:
    root = base / f"{shape}-{header}-{size}"
    revisions = generate.write_project(root, size, shape, header)
    versions = root / "migrations" / "versions"
    last = next(versions.glob(f"{revisions[-1]}_*.py"))
    generate.init_git(root, last.relative_to(root))
    return Project(root, f"{shape}, {header} headers", size)


def remove_pycache(project: Project) -> Hook:
    def hook() -> None:
        shutil.rmtree(project.versions / "__pycache__", ignore_errors=True)

    return hook


def remove_new_files(project: Project) -> Hook:
    """Undo a merge: remove files (and their compiled forms) that were not there before."""
    before = set(os.listdir(project.versions))
    cache = project.versions / "__pycache__"

    def hook() -> None:
        for name in set(os.listdir(project.versions)) - before:
            path = project.versions / name
            if path.is_file():
                path.unlink()
                for compiled in cache.glob(f"{Path(name).stem}.*.pyc"):
                    compiled.unlink()

    return hook


def check_same_heads(
    project: Project, revlib: list[str], alembic: list[str], env: dict[str, str]
) -> None:
    """The benchmark means nothing unless both print the same heads."""
    outputs = [
        subprocess.run(
            [*argv, "heads"], cwd=project.root, env=env, capture_output=True, check=True
        ).stdout
        for argv in (revlib, alembic)
    ]
    if outputs[0] != outputs[1] or outputs[0].count(b"(head)") != 2:
        raise RuntimeError(f"revlib and alembic disagree in {project.root}: {outputs}")


def bench_project(
    project: Project, revlib: list[str], alembic: list[str], env: dict[str, str], runs: int
) -> None:
    """Every command of the table on one project."""
    no_pycache = remove_pycache(project)
    undo_merge = remove_new_files(project)
    check_same_heads(project, revlib, alembic, env)
    heads_warm = measure([*alembic, "heads"], project, env, runs)
    heads_cold = measure([*alembic, "heads"], project, env, runs, warm_up=False, before=no_pycache)
    merge_args = ["merge", "-m", "merge heads", "heads"]
    merge_warm = measure([*alembic, *merge_args], project, env, runs, after=undo_merge)
    merge_cold = measure(
        [*alembic, *merge_args],
        project,
        env,
        runs,
        warm_up=False,
        before=no_pycache,
        after=undo_merge,
    )
    no_pycache()

    def revlib_row(
        command: str,
        args: list[str],
        alembic_samples: tuple[Sample, Sample],
        expected: int = 0,
        after: Hook | None = None,
    ) -> None:
        sample = measure([*revlib, *args], project, env, runs, after=after, expected=expected)
        row = Row(command, sample, *alembic_samples, target(command, project.size))
        project.rows.append(row)

    heads, merge = (heads_warm, heads_cold), (merge_warm, merge_cold)
    revlib_row("revlib heads --no-cache", ["--no-cache", "heads"], heads)
    revlib_row("revlib heads (cache warm)", ["heads"], heads)
    # two heads: the checks fail (exit 1), as they should
    revlib_row("revlib check (cache warm)", ["check"], heads, expected=1)
    revlib_row("revlib check --staged (cache warm)", ["check", "--staged"], heads, expected=1)
    revlib_row("revlib merge", ["merge", "-m", "merge heads"], merge, after=undo_merge)


TARGETS = {
    ("revlib heads --no-cache", 1000): (0.060, 6, None),
    ("revlib heads --no-cache", 10000): (0.300, 8, 20),
    ("revlib heads (cache warm)", 1000): (0.050, None, None),
    ("revlib heads (cache warm)", 10000): (0.100, 25, None),
    ("revlib check (cache warm)", 1000): (0.050, None, None),
    ("revlib check (cache warm)", 10000): (0.100, 25, None),
    ("revlib check --staged (cache warm)", 1000): (0.120, None, None),
    ("revlib check --staged (cache warm)", 10000): (0.250, None, None),
    ("revlib merge", 1000): (0.150, None, None),
    ("revlib merge", 10000): (0.500, 5, None),
}


def target(command: str, size: int) -> str:
    """The brief's target, as text: an absolute time and the ratios to Alembic."""
    found = TARGETS.get((command, size))
    if found is None:
        return ""
    seconds, warm_ratio, cold_ratio = found
    parts = [f"≤ {_ms(seconds)}"]
    if warm_ratio:
        parts.append(f"≥ {warm_ratio}×")
    if cold_ratio:
        parts.append(f"≥ {cold_ratio}× cold")
    return ", ".join(parts)


def verdict(row: Row, size: int) -> str:
    found = TARGETS.get((row.command, size))
    if found is None:
        return ""
    seconds, warm_ratio, cold_ratio = found
    misses = []
    if row.revlib.median > seconds:
        misses.append("time")
    if warm_ratio and row.alembic_warm.median / row.revlib.median < warm_ratio:
        misses.append("ratio")
    if cold_ratio and row.alembic_cold.median / row.revlib.median < cold_ratio:
        misses.append("cold ratio")
    return "met" if not misses else "missed: " + ", ".join(misses)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def table(projects: Sequence[Project]) -> str:
    header = (
        "| revisions | project | command | revlib | Alembic (`__pycache__`) | ratio "
        "| Alembic (no `__pycache__`) | ratio | peak RSS revlib / Alembic | target | |\n"
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |\n"
    )
    lines = []
    for project in projects:
        for row in project.rows:
            warm_ratio = row.alembic_warm.median / row.revlib.median
            cold_ratio = row.alembic_cold.median / row.revlib.median
            lines.append(
                f"| {project.size:,} | {project.label} | `{row.command}` "
                f"| {_ms(row.revlib.median)} "
                f"| {_ms(row.alembic_warm.median)} | {warm_ratio:.1f}× "
                f"| {_ms(row.alembic_cold.median)} | {cold_ratio:.1f}× "
                f"| {row.revlib.peak_mib:.0f} / {row.alembic_warm.peak_mib:.0f} MiB "
                f"| {row.target} | {verdict(row, project.size)} |"
            )
    return header + "\n".join(lines) + "\n"


def machine(revlib: list[str], alembic: list[str], env: dict[str, str], runs: int) -> str:
    """What the figures were measured on, and the floor: starting Python itself."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    floor = statistics.median(
        run_once([sys.executable, "-c", "pass"], Path.cwd(), env)[0] for _ in range(max(runs, 5))
    )
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs ({model}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, {git}; load average at start {load}; "
        f"`python -c pass` takes {_ms(floor)}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 revisions, 3 runs")
    parser.add_argument("--sizes", help="comma-separated revision counts (default 100,1000,10000)")
    parser.add_argument("--runs", type=int, help="timed runs per command (default 5, quick 3)")
    parser.add_argument("--out", help="also write the report to this file")
    parser.add_argument("--keep", help="generate the projects here and keep them")
    args = parser.parse_args(argv)
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else ([100, 1000] if args.quick else [100, 1000, 10000])
    )
    runs = args.runs or (3 if args.quick else 5)
    variants = [("linear", "plain"), ("branchy", "annotated")]
    if not args.quick:
        variants += [("linear", "annotated"), ("branchy", "plain")]
    revlib, alembic = tools()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="revlib-bench-") as temp:
        base = Path(args.keep) if args.keep else Path(temp)
        base.mkdir(parents=True, exist_ok=True)
        code, commit = snapshot(Path(temp))
        env = child_env(code, Path(temp) / "cache-home")
        about = f"revlib {commit}; " + machine(revlib, alembic, env, runs)
        print(about, flush=True)
        projects = []
        for size in sizes:
            for shape, header in variants:
                project = make_project(base, size, shape, header)
                bench_project(project, revlib, alembic, env, runs)
                projects.append(project)
                print(
                    f"  done: {project.size:,} revisions, {project.label}",
                    file=sys.stderr,
                    flush=True,
                )
    report = (
        f"{about}\n\nMedian of {runs} runs each; ratio = Alembic's median / revlib's; "
        f"finished in {time.perf_counter() - started:.0f} s, load average at end "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}.\n\n{table(projects)}"
    )
    print("\n" + report)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
