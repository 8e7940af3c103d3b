"""add shipments

Revision ID: 7f3c5e7a9b63
Revises: 6e2b4d6f8a51
Create Date: 2026-11-25 04:16:11.186981

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '7f3c5e7a9b63'
down_revision: Union[str, Sequence[str], None] = '6e2b4d6f8a51'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    pass


def downgrade() -> None:
    """Downgrade schema."""
    pass
