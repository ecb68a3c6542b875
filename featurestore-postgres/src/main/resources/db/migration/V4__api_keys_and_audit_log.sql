-- API keys and the audit log (issue 10). Keys are stored as the SHA-256 of the whole key only
-- (keys carry 256 random bits, so a fast hash suffices); "id" is the public part of the key that
-- finds its row. Names are never reused, revoked keys keep theirs, so the log's actor stays
-- unambiguous.
CREATE TABLE api_keys (
  id           VARCHAR(32) PRIMARY KEY,
  name         VARCHAR(64) NOT NULL UNIQUE,
  key_hash     CHAR(64) NOT NULL,
  scopes       JSONB NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL,
  revoked_at   TIMESTAMPTZ,
  last_used_at TIMESTAMPTZ,
  use_count    BIGINT NOT NULL DEFAULT 0
);

-- Registry changes one by one, and key use aggregated per flush; append-only.
CREATE TABLE audit_log (
  id        BIGSERIAL PRIMARY KEY,
  logged_at TIMESTAMPTZ NOT NULL,
  actor     VARCHAR(255) NOT NULL,
  action    VARCHAR(64) NOT NULL,
  target    TEXT NOT NULL,
  detail    TEXT
);
CREATE INDEX audit_log_logged_at_idx ON audit_log (logged_at);
