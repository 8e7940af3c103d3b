"""add returns

Revision ID: a06f8b0d2e99
Revises: 6e2b4d6f8a51
Create Date: 2026-11-25 04:16:12.421622

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'a06f8b0d2e99'
down_revision: Union[str, Sequence[str], None] = '6e2b4d6f8a51'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    pass


def downgrade() -> None:
    """Downgrade schema."""
    pass
