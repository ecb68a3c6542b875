-- Drift history (issue 12): every result the drift monitors (and explicit runs) computed, the
-- whole result as JSON (result) beside the fields GET /api/v1/drift filters and sorts on.
-- computed_at is microseconds since the epoch, like the embedded store's.
CREATE TABLE drift_results (
  id            BIGSERIAL PRIMARY KEY,
  feature_group TEXT NOT NULL,
  feature_name  TEXT NOT NULL,
  version       INTEGER NOT NULL,
  status        VARCHAR(16) NOT NULL,
  psi           DOUBLE PRECISION,
  computed_at   BIGINT NOT NULL,
  result        TEXT NOT NULL
);
CREATE INDEX drift_results_feature ON drift_results (feature_group, feature_name, computed_at DESC);
