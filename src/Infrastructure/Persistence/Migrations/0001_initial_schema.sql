-- The schema of contract section 6, fresh-schema variant: timestamptz columns, lower-case text enums guarded by
-- CHECK constraints, and the constraints that make the original's check-then-insert races impossible (D-12).

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         varchar(255) NOT NULL,
    password_hash varchar(255) NOT NULL,
    username      varchar(100) NOT NULL,
    current_level double precision NOT NULL DEFAULT 6.0 CHECK (current_level BETWEEN 1.0 AND 9.0),
    target_score  double precision NOT NULL DEFAULT 7.0 CHECK (target_score BETWEEN 1.0 AND 9.0),
    is_online     boolean NOT NULL DEFAULT false,
    last_seen     timestamptz NOT NULL DEFAULT now(),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ux_users_email_lower ON users (lower(email));
CREATE INDEX ix_users_created_at ON users (created_at, id);
CREATE INDEX ix_users_online ON users (created_at, id) WHERE is_online;

CREATE TABLE queue_entries (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    mode         text NOT NULL CHECK (mode IN ('roulette', 'level_filter')),
    level_filter double precision,
    joined_at    timestamptz NOT NULL DEFAULT now(),
    is_active    boolean NOT NULL DEFAULT true
);
CREATE UNIQUE INDEX ux_queue_entries_active_user ON queue_entries (user_id) WHERE is_active;
CREATE INDEX ix_queue_entries_active_joined ON queue_entries (mode, joined_at) WHERE is_active;

CREATE TABLE sessions (
    id         uuid PRIMARY KEY,
    user1_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user2_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    mode       text NOT NULL CHECK (mode IN ('roulette', 'level_filter')),
    room_id    varchar(100) NOT NULL UNIQUE,
    status     text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'cancelled')),
    started_at timestamptz NOT NULL DEFAULT now(),
    ended_at   timestamptz,
    CHECK (user1_id <> user2_id)
);
CREATE INDEX ix_sessions_active_user1 ON sessions (user1_id) WHERE status = 'active';
CREATE INDEX ix_sessions_active_user2 ON sessions (user2_id) WHERE status = 'active';

CREATE TABLE partner_requests (
    id           uuid PRIMARY KEY,
    from_user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    to_user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
-- One pending request per pair, whichever direction (a pending request in either direction blocks a new one).
CREATE UNIQUE INDEX ux_partner_requests_pending_pair
    ON partner_requests (LEAST(from_user_id, to_user_id), GREATEST(from_user_id, to_user_id)) WHERE status = 'pending';
CREATE INDEX ix_partner_requests_to ON partner_requests (to_user_id, status, created_at DESC);
CREATE INDEX ix_partner_requests_from ON partner_requests (from_user_id, to_user_id, status);

CREATE TABLE partnerships (
    id         uuid PRIMARY KEY,
    user1_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user2_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (user1_id <> user2_id)
);
CREATE UNIQUE INDEX ux_partnerships_pair ON partnerships (LEAST(user1_id, user2_id), GREATEST(user1_id, user2_id));
CREATE INDEX ix_partnerships_user1 ON partnerships (user1_id);
CREATE INDEX ix_partnerships_user2 ON partnerships (user2_id);
