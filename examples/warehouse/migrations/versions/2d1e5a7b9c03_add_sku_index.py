"""add sku index

Revision ID: 2d1e5a7b9c03
Revises: 1c0ffee00001
Create Date: 2026-11-25 04:16:09.433196

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '2d1e5a7b9c03'
down_revision: Union[str, Sequence[str], None] = '1c0ffee00001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    pass


def downgrade() -> None:
    """Downgrade schema."""
    pass
