"""add stock levels

Revision ID: 3a8f2c4e6b15
Revises: 2d1e5a7b9c03
Create Date: 2026-11-25 04:16:09.642247

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '3a8f2c4e6b15'
down_revision: Union[str, Sequence[str], None] = '2d1e5a7b9c03'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    pass


def downgrade() -> None:
    """Downgrade schema."""
    pass
