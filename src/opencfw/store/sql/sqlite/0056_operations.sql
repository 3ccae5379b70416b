-- opencfw schema, version 56: schedules and report profiles (resource registry); the IP blacklist
-- imports, firewall switches, multi-account members and east-west private network segments
-- (api/routes_*.py of their areas); same text in both dialects.

CREATE TABLE schedules (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL,
    firewall_id  TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    name         TEXT NOT NULL,
    description  TEXT,
    periodic     TEXT,             -- JSON list of plans
    absolute     TEXT,             -- JSON {"start_time", "end_time"} (strings of ms)
    created_ms   BIGINT NOT NULL,
    updated_ms   BIGINT NOT NULL
);
CREATE UNIQUE INDEX schedules_name ON schedules (object_id, name);
CREATE INDEX schedules_project ON schedules (project_id, created_ms);
CREATE INDEX schedules_firewall ON schedules (firewall_id);

CREATE TABLE report_profiles (
    id                TEXT PRIMARY KEY,
    project_id        TEXT NOT NULL,
    firewall_id       TEXT NOT NULL,
    category          TEXT NOT NULL,
    name              TEXT NOT NULL,
    topic_urn         TEXT,
    description       TEXT,
    send_period       INTEGER,
    send_week_day     INTEGER,
    statistic_period  TEXT,        -- JSON {"start_time", "end_time"} (ms)
    status            INTEGER NOT NULL,
    subscription_type INTEGER NOT NULL,
    created_ms        BIGINT NOT NULL,
    updated_ms        BIGINT NOT NULL
);
CREATE UNIQUE INDEX report_profiles_name ON report_profiles (firewall_id, name);
CREATE INDEX report_profiles_project ON report_profiles (project_id, created_ms);
CREATE INDEX report_profiles_firewall ON report_profiles (firewall_id);

-- IP blacklist imports: one per firewall and effect scope (1 EIP, 2 NAT); an import runs as a job
CREATE TABLE ip_blacklists (
    project_id    TEXT NOT NULL,
    firewall_id   TEXT NOT NULL,
    effect_scope  INTEGER NOT NULL,
    name          TEXT NOT NULL,   -- the file name an export answers
    addresses     TEXT NOT NULL,   -- the addresses, one a line
    import_status INTEGER NOT NULL, -- 2 importing, 1 done, 0 failed
    error_message TEXT,
    job_id        TEXT,
    import_ms     BIGINT NOT NULL,
    PRIMARY KEY (firewall_id, effect_scope)
);
CREATE INDEX ip_blacklists_project ON ip_blacklists (project_id, firewall_id);

-- per firewall switches and settings (the IP blacklist switch, multi-account enabled...)
CREATE TABLE firewall_switches (
    project_id  TEXT NOT NULL,
    firewall_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_ms  BIGINT NOT NULL,
    PRIMARY KEY (firewall_id, name)
);
CREATE INDEX firewall_switches_project ON firewall_switches (project_id);

-- the accounts of the organisation a firewall protects (multi-account)
CREATE TABLE firewall_accounts (
    project_id  TEXT NOT NULL,
    firewall_id TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    added_ms    BIGINT NOT NULL,
    PRIMARY KEY (firewall_id, account_id)
);
CREATE INDEX firewall_accounts_project ON firewall_accounts (project_id);

-- the private network segments of a firewall's east-west protection
CREATE TABLE private_network_segments (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL,
    firewall_id     TEXT NOT NULL,
    protect_network TEXT NOT NULL,
    az_info         TEXT,
    subnet_name     TEXT,
    position        INTEGER NOT NULL,  -- the order segments were added in
    created_ms      BIGINT NOT NULL,
    updated_ms      BIGINT NOT NULL
);
CREATE UNIQUE INDEX private_network_segments_network ON private_network_segments (firewall_id, protect_network);
CREATE INDEX private_network_segments_firewall ON private_network_segments (firewall_id, created_ms);
CREATE INDEX private_network_segments_project ON private_network_segments (project_id);
