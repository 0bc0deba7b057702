-- The optional timed exam script of a session: its start and timings (the schedule follows from them), the phase
-- last announced and when the next change is due. Any node's driver claims due rows with FOR UPDATE SKIP LOCKED.
CREATE TABLE practice_scripts (
    session_id          uuid PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    first_speaker_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    second_speaker_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    started_at          timestamptz NOT NULL,
    part1_seconds       integer NOT NULL CHECK (part1_seconds > 0),
    prepare_seconds     integer NOT NULL CHECK (prepare_seconds > 0),
    speak_seconds       integer NOT NULL CHECK (speak_seconds > 0),
    part3_seconds       integer NOT NULL CHECK (part3_seconds > 0),
    status              text NOT NULL CHECK (status IN ('running', 'finished', 'stopped', 'session_ended')),
    phase_index         integer NOT NULL CHECK (phase_index >= 0),
    next_phase_at       timestamptz,
    CHECK (first_speaker_id <> second_speaker_id),
    CHECK ((status = 'running') = (next_phase_at IS NOT NULL))
);
CREATE INDEX ix_practice_scripts_due ON practice_scripts (next_phase_at) WHERE status = 'running';
