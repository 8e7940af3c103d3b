"""add suppliers

Revision ID: 5c7a9e1b3d49
Revises: 2d1e5a7b9c03
Create Date: 2026-11-25 04:16:10.291540

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '5c7a9e1b3d49'
down_revision: Union[str, Sequence[str], None] = '2d1e5a7b9c03'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    pass


def downgrade() -> None:
    """Downgrade schema."""
    pass
