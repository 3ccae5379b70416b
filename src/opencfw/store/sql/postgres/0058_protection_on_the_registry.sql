-- opencfw schema, version 58: IPS settings and east-west protection become resources of the
-- registry (resources/ips_settings.py, resources/east_west.py): each row gets the `id` the generic
-- repository reads it by (the protected object's id) and the columns every declared table has.
-- Same text in both dialects.

ALTER TABLE ips_settings ADD COLUMN id TEXT;
ALTER TABLE ips_settings ADD COLUMN created_ms BIGINT NOT NULL DEFAULT 0;
UPDATE ips_settings SET id = object_id, created_ms = updated_ms;
CREATE UNIQUE INDEX ips_settings_id ON ips_settings (project_id, id);
CREATE INDEX ips_settings_project ON ips_settings (project_id, created_ms);
CREATE INDEX ips_settings_firewall ON ips_settings (firewall_id);

ALTER TABLE east_west ADD COLUMN id TEXT;
UPDATE east_west SET id = object_id;
CREATE UNIQUE INDEX east_west_id ON east_west (project_id, id);
CREATE INDEX east_west_project ON east_west (project_id, created_ms);
