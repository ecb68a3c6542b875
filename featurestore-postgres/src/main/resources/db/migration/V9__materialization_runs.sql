-- Materialization run history (issue 13): one row per finished run of a group's computation
-- queries. The watermark of incremental runs is the window_end of the group's latest succeeded
-- incremental run.
CREATE TABLE materialization_runs (
  id            UUID PRIMARY KEY,
  feature_group TEXT NOT NULL,
  status        VARCHAR(16) NOT NULL,
  kind          VARCHAR(16) NOT NULL,
  run_trigger   VARCHAR(32) NOT NULL,
  window_start  TIMESTAMPTZ,
  window_end    TIMESTAMPTZ NOT NULL,
  rows_written  BIGINT NOT NULL,
  started_at    TIMESTAMPTZ NOT NULL,
  duration_ms   BIGINT NOT NULL,
  error         TEXT,
  seq           BIGSERIAL NOT NULL -- insertion order, for runs started in the same microsecond
);
CREATE INDEX materialization_runs_group ON materialization_runs (feature_group, started_at DESC, seq DESC);
