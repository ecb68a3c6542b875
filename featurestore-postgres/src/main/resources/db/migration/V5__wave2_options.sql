-- Wave-2 declarative fields (issue 12/13: constraints, validation mode, on-demand expression,
-- drift thresholds; a group's validation mode, schedule and retention) as one JSON object per row,
-- so later declarative fields need no migration. NULL = none set.
ALTER TABLE feature_groups ADD COLUMN options jsonb;
ALTER TABLE features ADD COLUMN options jsonb;
