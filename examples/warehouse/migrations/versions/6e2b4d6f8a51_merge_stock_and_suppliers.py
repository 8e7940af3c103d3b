"""merge stock and suppliers

Revision ID: 6e2b4d6f8a51
Revises: 4b9e1d3f5a27, 5c7a9e1b3d49
Create Date: 2026-11-25 04:16:10.717051

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '6e2b4d6f8a51'
down_revision: Union[str, Sequence[str], None] = ('4b9e1d3f5a27', '5c7a9e1b3d49')
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    pass


def downgrade() -> None:
    """Downgrade schema."""
    pass
