"""More fuzzing of the static reader, beyond the byte-level mutations of test_reader_fuzz:

- token-level mutations of the real-world seeds (delete, duplicate, swap or replace whole
  tokens; change a string's prefix or quotes; rename a name to one the reader tracks), which
  keep inputs close to valid Python and so reach deeper than random bytes;
- encoding prologues: a UTF-8 BOM, PEP 263 coding cookies (first or second line, after a
  shebang, on a line that does not count, unknown, not ASCII-compatible, contradicting the
  BOM), the file re-encoded in the declared encoding, and every newline style;
- reading from disk in tiny chunks, so that the header's end and the cookie straddle chunk
  boundaries: ``read_header`` must agree with ``parse_header``.

The oracle is the one of test_reader_fuzz: the values Python itself binds by the end of the
header, or the reader's own ``ReadError``; any other exception fails the test.
"""

from __future__ import annotations

import io
import tempfile
import tokenize
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revlib.script import reader
from revlib.script.reader import parse_header, read_header
from tests.test_reader_fuzz import SEEDS, check, neutron_path, outcome

__all__ = ["neutron_path"]  # the fixture, shared with test_reader_fuzz


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


# -- token-level mutations ------------------------------------------------------------------


def token_spans(source: bytes) -> list[tuple[int, int]]:
    """Byte spans of the seed's tokens (the seeds are valid Python, so this cannot fail)."""
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    spans = []
    encoding = "latin-1" if b"coding: latin-1" in source else "utf-8"
    text_lines = [line.decode(encoding) for line in lines]
    for token in tokenize.generate_tokens(io.StringIO("".join(text_lines)).readline):
        if token.type == tokenize.ENDMARKER or token.start == token.end:
            continue
        (start_row, start_col), (end_row, end_col) = token.start, token.end

        def offset(row: int, col: int) -> int:
            return starts[row - 1] + len(text_lines[row - 1][:col].encode(encoding))

        spans.append((offset(start_row, start_col), offset(end_row, end_col)))
    return spans


SEED_SPANS = [token_spans(seed) for seed in SEEDS]
REPLACEMENTS = [
    b"revision",
    b"down_revision",
    b"branch_labels",
    b"depends_on",
    b"__doc__",
    b"None",
    b"(",
    b")",
    b",",
    b"=",
    b":",
    b"'x'",
    b'"""y"""',
    b"f'{revision}'",
    b"b'z'",
    b"u'w'",
    b"r'\\d'",
    b"del",
    b"+",
    b"*",
    b"\n",
    b"\n    ",
    b"#",
    b"\\\n",
]
OPERATIONS = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 1 << 16), st.integers(0, 1 << 16)),
    min_size=1,
    max_size=4,
)


def mutate_tokens(seed_index: int, operations: list[tuple[int, int, int]]) -> bytes:
    """Apply token edits from the end of the file backwards, so spans stay valid."""
    data = bytearray(SEEDS[seed_index])
    spans = SEED_SPANS[seed_index]
    chosen = sorted(((spans[p % len(spans)], k, c) for k, p, c in operations), reverse=True)
    last_start = len(data) + 1
    for (start, end), kind, choice in chosen:
        if end > last_start:
            continue  # overlaps an edit already made
        last_start = start
        token = bytes(data[start:end])
        other = spans[choice % len(spans)]
        if kind == 0:  # delete
            del data[start:end]
        elif kind == 1:  # duplicate
            data[start:end] = token + b" " + token
        elif kind == 2 and other[1] <= start:  # replace with an earlier token of the file
            data[start:end] = bytes(data[other[0] : other[1]])
        elif kind == 3:  # replace with a token of our own
            data[start:end] = REPLACEMENTS[choice % len(REPLACEMENTS)]
        elif kind == 4 and token[:1] in (b"'", b'"'):  # a string: prefix it
            data[start:end] = (b"b", b"f", b"r", b"u", b"rb", b"br")[choice % 6] + token
        elif kind == 5 and token[:1] in (b"'", b'"'):  # a string: change its quotes
            quote = (b"'", b'"', b"'''", b'"""')[choice % 4]
            body = token.strip(b"'\"")
            data[start:end] = quote + body + quote
        else:  # move the token to just after the next one
            data[start:end] = b""
            data[start:start] = token + b" "
    return bytes(data)


@fuzz_settings(1500)
@given(seed=st.integers(0, len(SEEDS) - 1), operations=OPERATIONS)
def test_token_mutations_read_like_python_or_raise_read_error(
    neutron_path: str, seed: int, operations: list[tuple[int, int, int]]
) -> None:
    check(mutate_tokens(seed, operations), [neutron_path])


def test_token_spans_cover_each_seed() -> None:
    for seed, spans in zip(SEEDS, SEED_SPANS, strict=True):
        assert spans and spans[-1][1] <= len(seed)
        assert all(start < end for start, end in spans)


# -- encodings, BOMs and newlines --------------------------------------------------------------

PROLOGUES = [
    (b"", "utf-8"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xef\xbb\xbf# -*- coding: utf-8 -*-\n", "utf-8"),
    (b"\xef\xbb\xbf# coding: latin-1\n", "latin-1"),  # contradicts the BOM: an error
    (b"# -*- coding: latin-1 -*-\n", "latin-1"),
    (b"# vim: set fileencoding=cp1252 :\n", "cp1252"),
    (b"#!/usr/bin/env python\n# coding=iso-8859-15\n", "iso-8859-15"),
    (b"\n\n# coding: latin-1\n", "utf-8"),  # third line: not a cookie
    (b"# coding: klingon\n", "utf-8"),  # unknown: an error
    (b"# coding: utf-16\n", "utf-8"),  # not ASCII-compatible: an error
    (b"# coding: ascii\n", "ascii"),
    (b"#coding:utf8\n", "utf-8"),
]
TEXTS = st.text(alphabet="ab\u00e9\u00fc\u20ac\u00a4'\"\\ \t", max_size=6)


def encoded_source(seed_text: str, encoding: str, doc: str, label: str) -> bytes | None:
    """The seed with a non-ASCII docstring and label, encoded as declared (None when the
    declared encoding cannot hold them: that file cannot exist)."""
    text = seed_text.replace("add loyalty points", f"add {doc}").replace(
        "branch_labels: Union[str, Sequence[str], None] = None",
        f"branch_labels: Union[str, Sequence[str], None] = {label!r}",
    )
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return None


@fuzz_settings(800)
@given(
    prologue=st.sampled_from(PROLOGUES),
    doc=TEXTS,
    label=TEXTS,
    newline=st.sampled_from([b"\n", b"\r\n", b"\r"]),
    raw_bytes=st.booleans(),
)
def test_encodings_read_like_python_or_raise_read_error(
    neutron_path: str,
    prologue: tuple[bytes, str],
    doc: str,
    label: str,
    newline: bytes,
    raw_bytes: bool,
) -> None:
    head, encoding = prologue
    body = encoded_source(
        SEEDS[0].decode("utf-8"), "latin-1" if raw_bytes else encoding, doc, label
    )
    if body is None:
        return
    source = (head + body).replace(b"\r\n", b"\n").replace(b"\n", newline)
    check(source, [neutron_path])


# -- from disk, in small chunks ----------------------------------------------------------------


@fuzz_settings(400)
@given(
    seed=st.integers(0, len(SEEDS) - 1),
    operations=OPERATIONS,
    chunk=st.integers(1, 64),
    prologue=st.sampled_from(PROLOGUES),
)
def test_reading_from_disk_in_small_chunks_agrees_with_parse_header(
    neutron_path: str,
    seed: int,
    operations: list[tuple[int, int, int]],
    chunk: int,
    prologue: tuple[bytes, str],
) -> None:
    source = prologue[0] + mutate_tokens(seed, operations)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory, "fuzz.py")
        path.write_bytes(source)
        saved = reader._CHUNK, reader._MAX_CHUNK
        reader._CHUNK, reader._MAX_CHUNK = chunk, max(chunk, 64)
        try:
            from_disk = outcome(lambda: read_header(path, search_path=[neutron_path]))
        finally:
            reader._CHUNK, reader._MAX_CHUNK = saved
    in_memory = outcome(lambda: parse_header(source, str(path), search_path=[neutron_path]))
    assert from_disk == in_memory
