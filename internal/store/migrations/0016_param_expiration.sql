-- Parameter Store: when a parameter's Expiration policy (its latest
-- version's) deletes it, in Unix milliseconds; 0 for never. The sweep
-- finds the parameters due through the index.

ALTER TABLE param_parameters ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX param_parameters_expires ON param_parameters (expires_at);
