-- An event's resources are read from its record (the detail column); this
-- table only answers lookups by resource name or type. Its primary key, a
-- third B-tree written for every resource of every event, served no
-- lookup: AppendEvents now writes an event's resources only when it
-- stores the event, and an event names each resource once.
CREATE TABLE audit_event_resources_v2 (
    event_id      TEXT NOT NULL,
    resource_arn  TEXT NOT NULL,
    resource_type TEXT NOT NULL
);
INSERT INTO audit_event_resources_v2 (event_id, resource_arn, resource_type)
    SELECT event_id, resource_arn, resource_type FROM audit_event_resources;
DROP TABLE audit_event_resources;
ALTER TABLE audit_event_resources_v2 RENAME TO audit_event_resources;
CREATE INDEX audit_event_resources_arn ON audit_event_resources (resource_arn, event_id);
CREATE INDEX audit_event_resources_type ON audit_event_resources (resource_type, event_id);
