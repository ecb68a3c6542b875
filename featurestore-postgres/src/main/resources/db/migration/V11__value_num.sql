-- A numeric value as a double beside its JSON (issue 12): the drift reads it instead of casting
-- the JSONB to float8, which in PostgreSQL 14 prints the numeric as text and parses it back (the
-- larger part of a drift's scan). The writer fills it (PgCopy) with the double that
-- `(value)::float8` gives for the same JSON; NULL for values that are not numbers, for missing
-- values, and for rows written before this migration, which readers cast as before
-- (`coalesce(value_num, (value)::float8)`), so results do not depend on it being filled.
-- Nullable without a default: a catalog change in PostgreSQL 11+, no rewrite of the table or its
-- partitions (later partitions are made LIKE feature_values and get it too); not in the read index.
ALTER TABLE feature_values ADD COLUMN IF NOT EXISTS value_num float8;
