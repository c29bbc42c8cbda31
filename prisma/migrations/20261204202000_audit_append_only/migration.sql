-- Audit events are append-only. These triggers reject UPDATE, DELETE and TRUNCATE of
-- audit_events for every role, the table's owner (the application role) included, so neither
-- application code nor a mistaken statement can rewrite history. A superuser or the table's
-- owner can still disable or drop the triggers; the hash chain makes rows changed that way
-- detectable (`cordon audit verify`).

CREATE FUNCTION audit_events_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
    USING HINT = 'Audit events cannot be changed or removed; record a correction as a new event.';
END;
$$;

CREATE TRIGGER audit_events_reject_update
  BEFORE UPDATE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change();

CREATE TRIGGER audit_events_reject_delete
  BEFORE DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change();

CREATE TRIGGER audit_events_reject_truncate
  BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_reject_change();

-- ALWAYS: the triggers also fire when session_replication_role is `replica`, a setting that
-- otherwise skips ordinary triggers.
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_reject_update;
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_reject_delete;
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_reject_truncate;

-- A chain head is the append lock and is updated on every append, but it only moves forward.
-- Deleting a head or moving it back would let the next append restart or overwrite the end
-- of a chain, so both are rejected.

CREATE FUNCTION audit_chain_heads_reject_rewind() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.chain = OLD.chain AND NEW.sequence >= OLD.sequence THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit_chain_heads only moves forward: % is not allowed', TG_OP
    USING HINT = 'A chain head may only advance its sequence; it cannot be renamed, moved back or removed.';
END;
$$;

CREATE TRIGGER audit_chain_heads_reject_rewind
  BEFORE UPDATE OR DELETE ON audit_chain_heads
  FOR EACH ROW EXECUTE FUNCTION audit_chain_heads_reject_rewind();

CREATE TRIGGER audit_chain_heads_reject_truncate
  BEFORE TRUNCATE ON audit_chain_heads
  FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_heads_reject_rewind();

ALTER TABLE audit_chain_heads ENABLE ALWAYS TRIGGER audit_chain_heads_reject_rewind;
ALTER TABLE audit_chain_heads ENABLE ALWAYS TRIGGER audit_chain_heads_reject_truncate;
