-- Quorra, the personal-assistant module: its own tables, all prefixed quorra_, none shared with Speaking.

CREATE TABLE quorra_users (
    id            uuid PRIMARY KEY,
    username      varchar(64) NOT NULL,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ux_quorra_users_username ON quorra_users (lower(username));

CREATE TABLE quorra_memories (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES quorra_users (id) ON DELETE CASCADE,
    context    text NOT NULL,
    mood       text,
    tags       text[] NOT NULL DEFAULT '{}',
    archived   boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_quorra_memories_user_active ON quorra_memories (user_id, created_at DESC) WHERE NOT archived;

CREATE TABLE quorra_media (
    id                uuid PRIMARY KEY,
    user_id           uuid NOT NULL REFERENCES quorra_users (id) ON DELETE CASCADE,
    title             text,
    type              text NOT NULL CHECK (type IN ('audio', 'video')),
    url               text NOT NULL,
    duration          double precision,
    tags              text[] NOT NULL DEFAULT '{}',
    file_name         text,
    file_content_type text,
    file_size         bigint,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_quorra_media_user ON quorra_media (user_id, created_at DESC);

-- Uploaded bytes live apart from the metadata, so listing media never reads them.
CREATE TABLE quorra_media_files (
    media_id uuid PRIMARY KEY REFERENCES quorra_media (id) ON DELETE CASCADE,
    content  bytea NOT NULL
);

CREATE TABLE quorra_commands (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES quorra_users (id) ON DELETE CASCADE,
    input_type text NOT NULL CHECK (input_type IN ('text', 'audio', 'image')),
    content    text NOT NULL,
    response   text,
    mood       text,
    client_id  text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_quorra_commands_user ON quorra_commands (user_id, created_at DESC);
-- A queued command reaches the archive at most once, even if two syncs raced past the queue's own guard.
CREATE UNIQUE INDEX ux_quorra_commands_client ON quorra_commands (user_id, client_id) WHERE client_id IS NOT NULL;

CREATE TABLE quorra_notifications (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES quorra_users (id) ON DELETE CASCADE,
    title        text NOT NULL,
    body         text,
    type         text NOT NULL CHECK (type IN ('reminder', 'system', 'custom')),
    scheduled_at timestamptz NOT NULL,
    read         boolean NOT NULL DEFAULT false,
    delivered_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_quorra_notifications_user ON quorra_notifications (user_id, scheduled_at DESC);
CREATE INDEX ix_quorra_notifications_due ON quorra_notifications (user_id, scheduled_at)
    WHERE type = 'reminder' AND delivered_at IS NULL;

CREATE TABLE quorra_settings (
    user_id    uuid PRIMARY KEY REFERENCES quorra_users (id) ON DELETE CASCADE,
    data       jsonb NOT NULL CHECK (jsonb_typeof(data) = 'object'),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE quorra_offline_queue (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES quorra_users (id) ON DELETE CASCADE,
    client_id  text NOT NULL,
    input_type text NOT NULL CHECK (input_type IN ('text', 'audio', 'image')),
    content    text NOT NULL,
    response   text,
    mood       text,
    queued_at  timestamptz NOT NULL DEFAULT now(),
    synced_at  timestamptz,
    command_id uuid
);
-- Idempotency: one row per (user, clientId) for ever, so a retry after the sync still stores nothing.
CREATE UNIQUE INDEX ux_quorra_offline_queue_client ON quorra_offline_queue (user_id, client_id);
CREATE INDEX ix_quorra_offline_queue_pending ON quorra_offline_queue (queued_at) WHERE synced_at IS NULL;

CREATE TABLE quorra_system_audit (
    id             uuid PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES quorra_users (id) ON DELETE CASCADE,
    action         text NOT NULL CHECK (action IN ('volume', 'alarm', 'wifi')),
    params         jsonb,
    outcome        text NOT NULL CHECK (outcome IN ('applied', 'denied')),
    client_address text,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_quorra_system_audit_denied_user ON quorra_system_audit (user_id, created_at) WHERE outcome = 'denied';
CREATE INDEX ix_quorra_system_audit_denied_address ON quorra_system_audit (client_address, created_at) WHERE outcome = 'denied';
