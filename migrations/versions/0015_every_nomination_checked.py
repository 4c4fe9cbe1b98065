"""Every nomination is valid only once the returning officer has checked it (before, one
nominated by two members on Slack became valid when both confirmed). Nominations that were
valid under the old rule stay valid: their members were told so. They are marked checked at
their last change, by no one. A nominator on Slack is never left "to check" by their answer
any more: such a row is confirmed.

Revision ID: 0015_every_nomination_checked
Revises: 0014_meetings_version_at_commit
"""

from __future__ import annotations

from alembic import op

revision = "0015_every_nomination_checked"
down_revision = "0014_meetings_version_at_commit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Valid under the old rule: by members, not withdrawn, every nominator confirmed (a
    # nominator not on Slack was "to_check", which needed the check already).
    op.execute(
        "UPDATE nominations SET checked_at = updated_at "
        "WHERE checked_at IS NULL AND withdrawn_at IS NULL AND route = 'members' "
        "AND EXISTS (SELECT 1 FROM nominators n WHERE n.nomination_id = nominations.id) "
        "AND NOT EXISTS (SELECT 1 FROM nominators n "
        "WHERE n.nomination_id = nominations.id AND n.status <> 'confirmed')"
    )
    # Then (so that such a nomination still waits for the check): a nominator on Slack left
    # "to_check" by their answer is confirmed.
    op.execute(
        "UPDATE nominators SET status = 'confirmed' WHERE slack_id IS NOT NULL AND status = 'to_check'"
    )


def downgrade() -> None:
    # The old rule needs no check of these; a check recorded by no one is the upgrade's.
    op.execute(
        "UPDATE nominations SET checked_at = NULL WHERE checked_by IS NULL AND route = 'members' "
        "AND NOT EXISTS (SELECT 1 FROM nominators n "
        "WHERE n.nomination_id = nominations.id AND n.status <> 'confirmed')"
    )
