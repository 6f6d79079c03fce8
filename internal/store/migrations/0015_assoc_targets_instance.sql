-- State Manager's per-instance views (DescribeInstanceAssociationsStatus,
-- DescribeEffectiveInstanceAssociations) read an instance's targets
-- across associations.
CREATE INDEX assoc_targets_instance ON assoc_targets (instance_id, association_id);
