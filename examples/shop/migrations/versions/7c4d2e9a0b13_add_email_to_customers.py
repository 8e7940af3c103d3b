"""add email to customers

Revision ID: 7c4d2e9a0b13
Revises: 1a9c3e5f7b21
Create Date: 2026-11-02 10:15:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '7c4d2e9a0b13'
down_revision: Union[str, Sequence[str], None] = '1a9c3e5f7b21'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("customers", sa.Column("email", sa.String(length=320)))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("customers", "email")
