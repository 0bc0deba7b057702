-- The user directory (issue 15) remembers users' records and the list of online users in memory on every node, so
-- authentication, GET /auth/me and GET /users?online_only=true cost no database read. Every change to a user row
-- (registration, profile, presence, suspension, deletion) is announced with the user's id, and every node forgets
-- that user at once; a TRUNCATE is announced with an empty payload (forget everyone). This replaces the
-- deletion-only announcement of 0003.
DROP TRIGGER users_deleted ON users;
DROP FUNCTION notify_user_deleted();

CREATE FUNCTION notify_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('speaking_user_changed', '');
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('speaking_user_changed', OLD.id::text);
    ELSE
        PERFORM pg_notify('speaking_user_changed', NEW.id::text);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER users_changed AFTER INSERT OR UPDATE OR DELETE ON users FOR EACH ROW EXECUTE FUNCTION notify_user_changed();
CREATE TRIGGER users_truncated AFTER TRUNCATE ON users FOR EACH STATEMENT EXECUTE FUNCTION notify_user_changed();
