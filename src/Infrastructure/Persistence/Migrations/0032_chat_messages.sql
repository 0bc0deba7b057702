-- In-call chat, kept for the session's history (readable by its two participants only) and deleted after
-- CHAT_RETENTION_DAYS by a background job.
CREATE TABLE chat_messages (
    id          uuid PRIMARY KEY,
    session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    sender_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body        text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 2000),
    sent_at     timestamptz NOT NULL
);
CREATE INDEX ix_chat_messages_session_sent ON chat_messages (session_id, sent_at, id);
CREATE INDEX ix_chat_messages_sent ON chat_messages (sent_at);
