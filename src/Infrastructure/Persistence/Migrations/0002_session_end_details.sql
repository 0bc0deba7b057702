-- How a session ended: the reason (ended, no_reconnect, blocked, resume_failed) and, when a participant's action
-- ended it (end_session, block), who that was. History and reports read them.
ALTER TABLE sessions
    ADD COLUMN end_reason text,
    ADD COLUMN ended_by   uuid REFERENCES users (id) ON DELETE SET NULL;
