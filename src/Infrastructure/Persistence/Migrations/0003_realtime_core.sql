-- The realtime core's durable state (issues 11, 13, 14, 15):
-- * session_participants: one row per user per session. "One active session per user" is a constraint the database
--   enforces (a partial unique index), so two paths that start sessions at once can never put a user in two calls.
--   A participant's session belongs to one connection (amendment A-1: connection_id, "node:number"); when that
--   connection goes away the deadline of the reconnect grace is stored here (amendment A-3), so any node can end the
--   session when it passes, after a crash or a restart too.
-- * queue_entries.connection_id: the connection that sent join_queue (its session will be bound to it).
-- * invitations: pending call invitations (D-4, D-5), one per inviter, shared by every node and surviving restarts.

CREATE TABLE session_participants (
    session_id         uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    is_initiator       boolean NOT NULL,
    active             boolean NOT NULL DEFAULT true,
    connection_id      text,
    reconnect_deadline timestamptz,
    PRIMARY KEY (session_id, user_id)
);
CREATE UNIQUE INDEX ux_session_participants_active_user ON session_participants (user_id) WHERE active;
CREATE INDEX ix_session_participants_connection ON session_participants (connection_id) WHERE active AND connection_id IS NOT NULL;
CREATE INDEX ix_session_participants_deadline ON session_participants (reconnect_deadline) WHERE active AND reconnect_deadline IS NOT NULL;

-- Sessions that are active today get their participants (a user in two active sessions keeps only the newest).
INSERT INTO session_participants (session_id, user_id, is_initiator, active)
SELECT s.id, p.user_id, p.is_initiator, true
FROM sessions s
CROSS JOIN LATERAL (VALUES (s.user1_id, true), (s.user2_id, false)) AS p (user_id, is_initiator)
WHERE s.status = 'active'
ON CONFLICT DO NOTHING;
UPDATE session_participants p SET active = false
WHERE p.active AND (SELECT count(*) FROM session_participants q WHERE q.session_id = p.session_id AND q.active) < 2;
UPDATE sessions s SET status = 'cancelled', ended_at = now(), end_reason = 'no_reconnect'
WHERE s.status = 'active' AND NOT EXISTS (SELECT 1 FROM session_participants p WHERE p.session_id = s.id AND p.active);

ALTER TABLE queue_entries ADD COLUMN connection_id text;

CREATE TABLE invitations (
    inviter_id         uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    invitee_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    inviter_connection text,
    created_at         timestamptz NOT NULL,
    expires_at         timestamptz NOT NULL
);
CREATE INDEX ix_invitations_expires ON invitations (expires_at);

-- Authentication remembers briefly that a token's user exists; every node forgets it the moment the row is deleted.
CREATE FUNCTION notify_user_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('speaking_user_deleted', OLD.id::text);
    RETURN OLD;
END;
$$;
CREATE TRIGGER users_deleted AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION notify_user_deleted();
