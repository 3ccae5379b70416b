-- opencfw schema, version 54: the projects' EIPs (the inventory opencfw keeps in place of the EIP
-- service), their protection by a firewall, a firewall's EIP settings and its alarm whitelist.
-- Same text in both dialects.

-- a project's inventory was made (OPENCFW_EIP_COUNT EIPs) at its first use; next_index numbers
-- the EIPs made after that
CREATE TABLE eip_inventories (
    project_id  TEXT PRIMARY KEY,
    next_index  INTEGER NOT NULL,
    created_ms  BIGINT NOT NULL
);

CREATE TABLE eips (
    id                      TEXT PRIMARY KEY,
    project_id              TEXT NOT NULL,
    public_ip               TEXT NOT NULL,
    public_ipv6             TEXT,
    device_id               TEXT,
    device_name             TEXT,
    device_owner            TEXT,
    associate_instance_type TEXT,
    synced                  INTEGER NOT NULL,
    created_ms              BIGINT NOT NULL
);
CREATE UNIQUE INDEX eips_address ON eips (project_id, public_ip);
CREATE INDEX eips_project ON eips (project_id, created_ms);

-- an EIP is protected by at most one firewall (its Internet border object)
CREATE TABLE eip_protections (
    eip_id      TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    firewall_id TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    created_ms  BIGINT NOT NULL
);
CREATE INDEX eip_protections_firewall ON eip_protections (firewall_id);
CREATE INDEX eip_protections_project ON eip_protections (project_id);

-- one row per firewall whose EIP settings were changed: no row means the defaults (0, 0)
CREATE TABLE eip_settings (
    firewall_id       TEXT PRIMARY KEY,
    project_id        TEXT NOT NULL,
    object_id         TEXT NOT NULL,
    auto_protect      INTEGER NOT NULL,
    protection_status INTEGER NOT NULL,
    job_id            TEXT,
    fail_reason       TEXT,
    updated_ms        BIGINT NOT NULL
);
CREATE INDEX eip_settings_project ON eip_settings (project_id);

CREATE TABLE eip_alarm_whitelist (
    firewall_id TEXT NOT NULL,
    eip_id      TEXT NOT NULL,
    project_id  TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    PRIMARY KEY (firewall_id, eip_id)
);
CREATE INDEX eip_alarm_whitelist_project ON eip_alarm_whitelist (project_id);
CREATE INDEX eip_alarm_whitelist_eip ON eip_alarm_whitelist (eip_id);
