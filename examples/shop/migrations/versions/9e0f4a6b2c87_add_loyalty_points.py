"""add loyalty points

Revision ID: 9e0f4a6b2c87
Revises: 7c4d2e9a0b13
Create Date: 2026-11-02 10:45:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '9e0f4a6b2c87'
down_revision: Union[str, Sequence[str], None] = '7c4d2e9a0b13'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        "customers", sa.Column("loyalty_points", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("customers", "loyalty_points")
