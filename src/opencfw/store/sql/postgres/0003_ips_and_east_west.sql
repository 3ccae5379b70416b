-- opencfw schema, version 3 (PostgreSQL): IPS settings per protected object, east-west protection

-- protected objects of type 0 are found by id
CREATE INDEX firewalls_internet_object ON firewalls (internet_object_id);

-- one row per protected object whose IPS settings were changed: no row means the defaults
CREATE TABLE ips_settings (
    object_id              TEXT PRIMARY KEY,
    project_id             TEXT NOT NULL,
    firewall_id            TEXT NOT NULL,
    mode                   INTEGER NOT NULL,
    basic_defense_status   INTEGER NOT NULL,
    virtual_patches_status INTEGER NOT NULL,
    updated_ms             BIGINT NOT NULL
);

-- a firewall's east-west protection: object_id is its protected object of type 1 (VPC border)
CREATE TABLE east_west (
    firewall_id       TEXT PRIMARY KEY,
    project_id        TEXT NOT NULL,
    object_id         TEXT NOT NULL UNIQUE,
    status            INTEGER NOT NULL,
    mode              TEXT NOT NULL,
    er_id             TEXT NOT NULL,
    er_attachment_id  TEXT NOT NULL,
    inspection_cidr   TEXT NOT NULL,
    inspection_vpc_id TEXT NOT NULL,
    created_ms        BIGINT NOT NULL,
    updated_ms        BIGINT NOT NULL
);
