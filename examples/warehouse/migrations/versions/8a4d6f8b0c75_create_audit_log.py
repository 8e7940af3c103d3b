"""create audit log

Revision ID: 8a4d6f8b0c75
Revises: 
Create Date: 2026-11-25 04:16:11.538434

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '8a4d6f8b0c75'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = ('audit',)
depends_on: Union[str, Sequence[str], None] = '1c0ffee00001'


def upgrade() -> None:
    """Upgrade schema."""
    pass


def downgrade() -> None:
    """Downgrade schema."""
    pass
