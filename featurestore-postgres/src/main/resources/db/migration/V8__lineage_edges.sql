-- Lineage edges only runs know (issue 14): a saved training set's pinned feature versions
-- (feature:group:name@v -> training_set:name, 'used_by') and the runs tagged on a set
-- (training_set:name -> run:id, 'trained'). Tables, computations and feature versions come from
-- the registry itself. Node ids are kind-prefixed text.
CREATE TABLE lineage_edges (
  from_node  TEXT NOT NULL,
  to_node    TEXT NOT NULL,
  kind       VARCHAR(32) NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (from_node, to_node)
);
-- Upstream walks look edges up by their end; downstream walks use the primary key.
CREATE INDEX lineage_edges_to ON lineage_edges (to_node);

-- Training sets saved before this migration keep their lineage.
INSERT INTO lineage_edges (from_node, to_node, kind)
SELECT DISTINCT 'feature:' || ref, 'training_set:' || t.name, 'used_by'
FROM training_sets t, jsonb_array_elements_text(t.definition -> 'features') AS ref
ON CONFLICT DO NOTHING;
