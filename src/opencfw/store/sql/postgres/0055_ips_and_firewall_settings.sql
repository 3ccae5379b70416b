-- opencfw schema, version 55: custom IPS rules, the IPS whitelist, capture tasks, and the settings
-- of firewalls and protected objects (alarms, LTS logs, DNS, anti-virus, IPS signature modes).

CREATE TABLE customer_ips (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL,
    firewall_id   TEXT NOT NULL,
    ips_id        TEXT NOT NULL,
    ips_name      TEXT NOT NULL,
    action_type   INTEGER NOT NULL,
    affected_os   INTEGER NOT NULL,
    attack_type   INTEGER NOT NULL,
    direction     INTEGER NOT NULL,
    protocol      INTEGER NOT NULL,
    severity      INTEGER NOT NULL,
    software      INTEGER NOT NULL,
    src_port      TEXT NOT NULL,
    dst_port      TEXT NOT NULL,
    contents      TEXT NOT NULL,
    created_ms    BIGINT NOT NULL,
    updated_ms    BIGINT NOT NULL
);
-- the provider finds a new rule by its exact name: one per firewall (CFW.00200007)
CREATE UNIQUE INDEX customer_ips_name ON customer_ips (firewall_id, ips_name);
CREATE INDEX customer_ips_project ON customer_ips (project_id, created_ms);

CREATE TABLE ips_whitelists (
    id               TEXT PRIMARY KEY,
    project_id       TEXT NOT NULL,
    firewall_id      TEXT NOT NULL,
    name             TEXT NOT NULL,
    ip_version       INTEGER NOT NULL,
    source_address   TEXT,
    dest_address     TEXT,
    ips_id           TEXT NOT NULL,
    effective_scopes TEXT NOT NULL,
    description      TEXT,
    created_ms       BIGINT NOT NULL,
    updated_ms       BIGINT NOT NULL
);
CREATE UNIQUE INDEX ips_whitelists_name ON ips_whitelists (firewall_id, name);
CREATE INDEX ips_whitelists_project ON ips_whitelists (project_id, created_ms);

CREATE TABLE capture_tasks (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL,
    firewall_id  TEXT NOT NULL,
    name         TEXT NOT NULL,
    duration     INTEGER NOT NULL,
    max_packets  INTEGER NOT NULL,
    source       TEXT NOT NULL,
    destination  TEXT NOT NULL,
    service      TEXT NOT NULL,
    stopped_ms   BIGINT,
    created_ms   BIGINT NOT NULL,
    updated_ms   BIGINT NOT NULL
);
-- the provider's id of a task is its name: one per firewall
CREATE UNIQUE INDEX capture_tasks_name ON capture_tasks (firewall_id, name);
CREATE INDEX capture_tasks_project ON capture_tasks (project_id, created_ms);

CREATE TABLE firewall_settings (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL,
    firewall_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    key          TEXT NOT NULL,
    doc          TEXT NOT NULL,
    created_ms   BIGINT NOT NULL,
    updated_ms   BIGINT NOT NULL
);
CREATE UNIQUE INDEX firewall_settings_key ON firewall_settings (firewall_id, kind, key);
CREATE INDEX firewall_settings_project ON firewall_settings (project_id, created_ms);

CREATE TABLE object_settings (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL,
    firewall_id  TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    key          TEXT NOT NULL,
    doc          TEXT NOT NULL,
    created_ms   BIGINT NOT NULL,
    updated_ms   BIGINT NOT NULL
);
CREATE UNIQUE INDEX object_settings_key ON object_settings (object_id, kind, key);
CREATE INDEX object_settings_project ON object_settings (project_id, created_ms);
CREATE INDEX object_settings_firewall ON object_settings (firewall_id);
