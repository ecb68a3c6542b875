-- The writer's log of its writes (issue 12): how many rows each write transaction added per
-- feature, and a seq below all of them. Data quality proves a feature's unrewritten-keys
-- certificate from it instead of counting all the feature's rows (PgWriteLog, PgUniqueKeys).
-- Insert-only: each write inserts its own rows in its COPY's transaction, so concurrent writers
-- never wait on one another's row; rows removed by retention are not logged (a removal cannot make
-- two rows share a key).
CREATE TABLE feature_value_writes (
  feature_id uuid,            -- NULL: a write to feature_values no writer counted (trigger below)
  rows       bigint NOT NULL,  -- rows added (1 for an uncounted write)
  seq_above  bigint NOT NULL   -- every row of the write has a higher seq (0 when uncounted)
);
CREATE INDEX feature_value_writes_feature ON feature_value_writes (feature_id, seq_above)
  INCLUDE (rows);

-- Any other write (an instance of an older version, SQL by hand, a bench's INSERT) that adds rows
-- or changes a key column through feature_values is logged as uncounted, which makes the next check
-- count the rows again. The store's writer sets featurestore.counted_write for its transaction with
-- the rows it logs. A statement trigger: no cost per row, and COPY keeps its batched inserts.
-- (Rows written into a month's table directly, not through feature_values, are not seen.)
CREATE FUNCTION feature_values_uncounted_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('featurestore.counted_write', true) IS DISTINCT FROM 'on' THEN
    INSERT INTO feature_value_writes (feature_id, rows, seq_above) VALUES (NULL, 1, 0);
  END IF;
  RETURN NULL;
END
$$;

-- A catalog change (no scan, no rewrite); it waits for running writes to feature_values, briefly.
CREATE TRIGGER feature_values_uncounted_write
  AFTER INSERT OR UPDATE OF seq, feature_id, entity_key, event_timestamp ON feature_values
  FOR EACH STATEMENT EXECUTE FUNCTION feature_values_uncounted_write();
