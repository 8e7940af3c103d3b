"""Rendering ``script.py.mako`` with Mako, as Alembic's ``template_to_file`` does.

Only the write path imports this module, so reading a graph never loads Mako.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from revlib.util.exc import CommandError

__all__ = ["render_template"]


def render_template(
    template_path: str | os.PathLike[str], output_encoding: str, **kw: Any
) -> bytes:
    """The template rendered with ``kw`` and encoded, fully in memory (nothing is written).

    A failure while rendering is Alembic's: the template-oriented traceback goes to a
    ``.txt`` temporary file named in the CommandError. A template that is missing or does not
    compile is a CommandError naming the file.
    """
    from mako import exceptions
    from mako.template import Template

    path = os.fspath(template_path)
    try:
        template = Template(filename=path)
    except OSError as error:
        raise CommandError(
            f"Can't read the revision template {path}: {error.strerror}; "
            "revisions are written from <script_location>/script.py.mako"
        ) from error
    except exceptions.MakoException as error:
        raise CommandError(f"The revision template {path} is not valid Mako: {error}") from error
    try:
        return template.render_unicode(**kw).encode(output_encoding)  # type: ignore[no-any-return]
    except Exception:
        traceback = exceptions.text_error_template().render_unicode().encode(output_encoding)
        with tempfile.NamedTemporaryFile(suffix=".txt", delete=False) as report:
            report.write(traceback)
        raise CommandError(
            f"Template rendering failed; see {report.name} for a template-oriented traceback."
        ) from None
