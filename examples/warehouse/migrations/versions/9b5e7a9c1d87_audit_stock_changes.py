"""audit stock changes

Revision ID: 9b5e7a9c1d87
Revises: 8a4d6f8b0c75
Create Date: 2026-11-25 04:16:12.031534

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '9b5e7a9c1d87'
down_revision: Union[str, Sequence[str], None] = '8a4d6f8b0c75'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = '3a8f2c4e6b15'


def upgrade() -> None:
    """Upgrade schema."""
    pass


def downgrade() -> None:
    """Downgrade schema."""
    pass
