-- Peer feedback on the four IELTS speaking criteria: whole or half bands from 1 to 9, once per rater and session.
CREATE TABLE peer_feedback (
    id                          uuid PRIMARY KEY,
    session_id                  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    rater_id                    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rated_id                    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    fluency_coherence           double precision NOT NULL,
    lexical_resource            double precision NOT NULL,
    grammatical_range_accuracy  double precision NOT NULL,
    pronunciation               double precision NOT NULL,
    comment                     text CHECK (char_length(comment) <= 1000),
    created_at                  timestamptz NOT NULL DEFAULT now(),
    CHECK (rater_id <> rated_id),
    CHECK (fluency_coherence BETWEEN 1 AND 9 AND fluency_coherence * 2 = trunc(fluency_coherence * 2)),
    CHECK (lexical_resource BETWEEN 1 AND 9 AND lexical_resource * 2 = trunc(lexical_resource * 2)),
    CHECK (grammatical_range_accuracy BETWEEN 1 AND 9 AND grammatical_range_accuracy * 2 = trunc(grammatical_range_accuracy * 2)),
    CHECK (pronunciation BETWEEN 1 AND 9 AND pronunciation * 2 = trunc(pronunciation * 2))
);
CREATE UNIQUE INDEX ux_peer_feedback_session_rater ON peer_feedback (session_id, rater_id);
CREATE INDEX ix_peer_feedback_rated_created ON peer_feedback (rated_id, created_at);
