"""revlib: static, fast re-implementation of Alembic's script management.

The public import paths mirror Alembic's (``revlib.script``,
``revlib.script.revision``, ``revlib.config``) so that code written against
``alembic.script`` works by changing the import.
"""

from __future__ import annotations

__version__ = "0.1.0"
