-- Saved training set definitions (spine, feature references, as_of), rerunnable byte-identical.
CREATE TABLE training_sets (
  name       VARCHAR(255) PRIMARY KEY,
  definition JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
