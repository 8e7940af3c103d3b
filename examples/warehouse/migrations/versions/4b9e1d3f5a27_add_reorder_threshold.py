"""add reorder threshold

Revision ID: 4b9e1d3f5a27
Revises: 3a8f2c4e6b15
Create Date: 2026-11-25 04:16:09.896721

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '4b9e1d3f5a27'
down_revision: Union[str, Sequence[str], None] = '3a8f2c4e6b15'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    pass


def downgrade() -> None:
    """Downgrade schema."""
    pass
