-- The feature groups each saved training set reads (TrainingSets.groups: sorted, distinct; a
-- reference without a group counts as ''), so a key restricted to some groups is listed its sets
-- by `groups <@ its groups` on the GIN index instead of reading every definition. NULL (a row
-- written without it) is seen by unrestricted keys only.
ALTER TABLE training_sets ADD COLUMN groups TEXT[];

UPDATE training_sets t SET groups = ARRAY(
  SELECT DISTINCT CASE WHEN position(':' IN ref) > 0 THEN split_part(ref, ':', 1) ELSE '' END
  FROM jsonb_array_elements_text(
    CASE WHEN jsonb_typeof(t.definition -> 'features') = 'array'
      THEN t.definition -> 'features' ELSE '[]'::jsonb END) AS ref
  ORDER BY 1);

CREATE INDEX training_sets_groups ON training_sets USING gin (groups);
