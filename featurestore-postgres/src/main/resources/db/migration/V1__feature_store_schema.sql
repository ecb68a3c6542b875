-- E2I Feature Store schema (the seed's 004_create_feature_store_schema, made versioned and
-- append-only). Applied by Flyway; never edit an applied migration, add V2__... instead.

CREATE TYPE feature_value_type AS ENUM (
  'string', 'int64', 'float64', 'bool', 'timestamp',
  'string_list', 'int64_list', 'float64_list', 'bool_list', 'timestamp_list');

CREATE TYPE freshness_status AS ENUM ('fresh', 'stale', 'expired');

CREATE TABLE feature_groups (
  id                              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  name                            VARCHAR(255) NOT NULL UNIQUE,
  description                     TEXT,
  owner                           VARCHAR(100),
  tags                            JSONB NOT NULL DEFAULT '[]'::jsonb,
  source_table                    VARCHAR(255),
  expected_update_frequency_hours INTEGER CHECK (expected_update_frequency_hours > 0),
  max_age_hours                   INTEGER CHECK (max_age_hours > 0),
  mlflow_experiment_name          VARCHAR(255),
  mlflow_experiment_id            VARCHAR(255),
  created_at                      TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at                      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per feature version; values belong to a version (features.id).
CREATE TABLE features (
  id                UUID PRIMARY KEY,
  feature_group_id  UUID NOT NULL REFERENCES feature_groups (id),
  name              VARCHAR(255) NOT NULL,
  version           INTEGER NOT NULL CHECK (version > 0),
  value_type        feature_value_type NOT NULL,
  entity_keys       JSONB NOT NULL,
  description       TEXT,
  owner             VARCHAR(100),
  tags              JSONB NOT NULL DEFAULT '[]'::jsonb,
  computation_query TEXT,
  statistics        JSONB NOT NULL DEFAULT '{}'::jsonb,
  mlflow_run_id     VARCHAR(255),
  created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (feature_group_id, name, version)
);

-- Append-only time series. A rewrite of the same (feature, entity, event time) is a new row that
-- supersedes the older one for reads (higher seq wins); the older stays for "as of" reads.
-- No foreign key to features: the registry checks feature ids before any write, and a per-row FK
-- trigger would dominate COPY bulk loads.
CREATE TABLE feature_values (
  seq              BIGSERIAL PRIMARY KEY,
  feature_id       UUID NOT NULL,
  entity_key       TEXT NOT NULL,  -- canonical entity JSON text, keys sorted (EntityKey.canonical)
  entity_values    JSONB NOT NULL GENERATED ALWAYS AS (entity_key::jsonb) STORED,
  value            JSONB,          -- SQL NULL for a missing value
  event_timestamp  TIMESTAMPTZ NOT NULL,
  written_at       TIMESTAMPTZ NOT NULL,
  freshness_status freshness_status
);

-- Online reads (latest per feature), history and point-in-time joins all walk this index.
CREATE INDEX feature_values_read_idx
  ON feature_values (feature_id, entity_key, event_timestamp DESC, seq DESC);

-- Most recent value per (feature version, entity): the seed's online-serving view.
CREATE VIEW feature_values_latest AS
SELECT DISTINCT ON (v.feature_id, v.entity_key)
       v.feature_id,
       g.name AS feature_group,
       f.name AS feature_name,
       f.version,
       f.value_type,
       v.entity_key,
       v.entity_values,
       v.value,
       v.event_timestamp,
       v.written_at,
       v.freshness_status,
       v.seq
  FROM feature_values v
  JOIN features f ON f.id = v.feature_id
  JOIN feature_groups g ON g.id = f.feature_group_id
 ORDER BY v.feature_id, v.entity_key, v.event_timestamp DESC, v.seq DESC;

-- Freshness of every feature version over each entity's latest value, computed as of now().
CREATE VIEW feature_freshness_monitor AS
SELECT g.name AS feature_group,
       f.name AS feature_name,
       f.version,
       count(l.entity_key) AS total_entities,
       count(l.entity_key) FILTER (
         WHERE (g.max_age_hours IS NULL
                OR l.event_timestamp >= now() - make_interval(hours => g.max_age_hours))
           AND (g.expected_update_frequency_hours IS NULL
                OR l.event_timestamp >= now() - make_interval(hours => g.expected_update_frequency_hours))
       ) AS fresh_count,
       count(l.entity_key) FILTER (
         WHERE (g.max_age_hours IS NULL
                OR l.event_timestamp >= now() - make_interval(hours => g.max_age_hours))
           AND g.expected_update_frequency_hours IS NOT NULL
           AND l.event_timestamp < now() - make_interval(hours => g.expected_update_frequency_hours)
       ) AS stale_count,
       count(l.entity_key) FILTER (
         WHERE g.max_age_hours IS NOT NULL
           AND l.event_timestamp < now() - make_interval(hours => g.max_age_hours)
       ) AS expired_count,
       max(l.event_timestamp) AS last_event_timestamp,
       now() - max(l.event_timestamp) AS time_since_last_event
  FROM features f
  JOIN feature_groups g ON g.id = f.feature_group_id
  LEFT JOIN feature_values_latest l ON l.feature_id = f.id
 GROUP BY g.name, f.name, f.version;
