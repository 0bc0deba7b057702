-- Safety and fair matching (issue 17): blocks, reports and suspensions, moderators, the widen flag, and what the
-- queue statistics need to join a match to its tickets.

-- Moderators are set by the `admin` command or ADMIN_EMAILS, never by the API. A suspension (from reports) keeps the
-- user out of matching and invitations until suspended_until.
ALTER TABLE users
    ADD COLUMN is_admin        boolean NOT NULL DEFAULT false,
    ADD COLUMN suspended_until timestamptz;
CREATE INDEX ix_users_suspended ON users (suspended_until) WHERE suspended_until IS NOT NULL;

-- One row per blocker and blocked user. Unblocking undoes only one's own block, so the two directions are two rows;
-- "either blocks the other" is two primary-key probes, and the second index serves "who blocked me" and the
-- both-ways look-ups among a set of users.
CREATE TABLE blocks (
    blocker_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
);
CREATE INDEX ix_blocks_blocked ON blocks (blocked_id, blocker_id);

-- Reports: once per reporter, target and session (no session counts as one more "session"). `counted` records whether
-- the reporter had contact with the target when reporting (a shared session, an invitation or a partner request from
-- the target); only counted, unresolved reports add up to a suspension. A moderator lifting a suspension resolves them.
CREATE TABLE reports (
    id          uuid PRIMARY KEY,
    reporter_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id  uuid REFERENCES sessions (id) ON DELETE CASCADE,
    reason      text NOT NULL CHECK (reason IN ('harassment', 'inappropriate', 'spam', 'no_show', 'other')),
    details     text CHECK (char_length(details) <= 1000),
    counted     boolean NOT NULL,
    created_at  timestamptz NOT NULL,
    resolved_at timestamptz,
    resolved_by uuid REFERENCES users (id) ON DELETE SET NULL,
    CHECK (reporter_id <> target_id)
);
CREATE UNIQUE INDEX ux_reports_once
    ON reports (reporter_id, target_id, COALESCE(session_id, '00000000-0000-0000-0000-000000000000'::uuid));
CREATE INDEX ix_reports_target_created ON reports (target_id, created_at DESC);
CREATE INDEX ix_reports_created ON reports (created_at DESC, id);

-- Who invited whom to a call, ever (pending invitations are deleted once answered or expired): evidence of contact.
CREATE TABLE invitation_history (
    inviter_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    invitee_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_invited_at timestamptz NOT NULL,
    PRIMARY KEY (inviter_id, invitee_id)
);

-- The widen flag of a level-filter ticket (join_queue data.widen), and the session a matchmaking round closed the
-- ticket with: the wait of a match is sessions.started_at - queue_entries.joined_at.
ALTER TABLE queue_entries
    ADD COLUMN widen      boolean NOT NULL DEFAULT false,
    ADD COLUMN session_id uuid REFERENCES sessions (id) ON DELETE SET NULL;
CREATE INDEX ix_queue_entries_session ON queue_entries (session_id) WHERE session_id IS NOT NULL;

-- The last hour's matches (queue statistics) and the last minutes' pairs (no instant re-pairing).
CREATE INDEX ix_sessions_started ON sessions (started_at);
