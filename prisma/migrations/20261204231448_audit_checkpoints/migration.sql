-- CreateTable
CREATE TABLE "audit_checkpoints" (
    "sequence" INTEGER NOT NULL,
    "heads" JSONB NOT NULL,
    "headsDigest" TEXT NOT NULL,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "audit_checkpoints_pkey" PRIMARY KEY ("sequence")
);

-- Checkpoints are append-only like audit_events, for every role, the table's owner included,
-- and also when session_replication_role is `replica`.
CREATE FUNCTION audit_checkpoints_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_checkpoints is append-only: % is not allowed', TG_OP
    USING HINT = 'Audit checkpoints cannot be changed or removed; the next checkpoint records the current heads.';
END;
$$;

CREATE TRIGGER audit_checkpoints_reject_update
  BEFORE UPDATE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_reject_change();

CREATE TRIGGER audit_checkpoints_reject_delete
  BEFORE DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_reject_change();

CREATE TRIGGER audit_checkpoints_reject_truncate
  BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_reject_change();

ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_reject_update;
ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_reject_delete;
ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_reject_truncate;
