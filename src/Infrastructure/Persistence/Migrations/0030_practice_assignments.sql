-- IELTS practice (issue 18): the cue card and Part 1 questions each session got, so a resent matched, the practice
-- endpoint and history show the same card, and the card chooser can avoid both users' last 20 sessions.
CREATE TABLE practice_assignments (
    session_id          uuid PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    card_id             text NOT NULL,
    card_version        integer NOT NULL CHECK (card_version >= 1),
    part1_question_ids  text[] NOT NULL,
    assigned_at         timestamptz NOT NULL DEFAULT now()
);

-- A user's sessions newest first (history, and "the last 20 sessions" of the card chooser).
CREATE INDEX ix_sessions_user1_started ON sessions (user1_id, started_at DESC);
CREATE INDEX ix_sessions_user2_started ON sessions (user2_id, started_at DESC);
