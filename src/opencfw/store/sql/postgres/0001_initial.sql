-- opencfw schema, version 1 (PostgreSQL)

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE domains (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_ms BIGINT NOT NULL
);

CREATE TABLE projects (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    domain_id  TEXT NOT NULL REFERENCES domains (id),
    created_ms BIGINT NOT NULL
);
CREATE INDEX projects_domain_name ON projects (domain_id, name);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    domain_id     TEXT NOT NULL REFERENCES domains (id),
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_ms    BIGINT NOT NULL,
    UNIQUE (domain_id, name)
);

CREATE TABLE access_keys (
    access_key TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    secret_enc BYTEA NOT NULL,
    status     TEXT NOT NULL DEFAULT 'active',
    created_ms BIGINT NOT NULL
);

CREATE TABLE firewalls (
    id                    TEXT PRIMARY KEY,
    project_id            TEXT NOT NULL,
    name                  TEXT NOT NULL,
    enterprise_project_id TEXT NOT NULL,
    status                SMALLINT NOT NULL,
    edition               INTEGER NOT NULL,
    extend_eip_count      INTEGER NOT NULL,
    extend_bandwidth      INTEGER NOT NULL,
    extend_vpc_count      INTEGER NOT NULL,
    tags                  TEXT NOT NULL,
    internet_object_id    TEXT NOT NULL,
    created_ms            BIGINT NOT NULL,
    updated_ms            BIGINT NOT NULL
);
CREATE INDEX firewalls_project ON firewalls (project_id, created_ms);
-- a name is unique among a project's firewalls that still exist (status 4 = deleted)
CREATE UNIQUE INDEX firewalls_live_name ON firewalls (project_id, name) WHERE status <> 4;

CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    project_id       TEXT NOT NULL,
    kind             TEXT NOT NULL,
    resource_id      TEXT NOT NULL,
    status           TEXT NOT NULL,
    steps            TEXT NOT NULL,
    step_index       INTEGER NOT NULL,
    outcome          TEXT NOT NULL,
    fail_at          TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    begin_ms         BIGINT NOT NULL,
    end_ms           BIGINT,
    run_after_ms     BIGINT NOT NULL,
    step_started_ms  BIGINT NOT NULL,
    lease_owner      TEXT,
    lease_expires_ms BIGINT,
    error_code       TEXT,
    error_msg        TEXT,
    updated_ms       BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_after_ms) WHERE status = 'Running';
CREATE INDEX jobs_resource ON jobs (resource_id);
