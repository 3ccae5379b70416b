-- opencfw schema, version 52: domain name groups and their domain names (resource registry);
-- same text in both dialects.

CREATE TABLE domain_sets (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL,
    firewall_id     TEXT NOT NULL,
    object_id       TEXT NOT NULL,
    name            TEXT NOT NULL,
    description     TEXT,
    domain_set_type INTEGER NOT NULL,  -- 0 application, 1 network
    created_ms      BIGINT NOT NULL,
    updated_ms      BIGINT NOT NULL,
    config_status   INTEGER NOT NULL   -- 3 normal
);

-- one group of a name per protected object (CFW.00200007 for a second one)
CREATE UNIQUE INDEX domain_sets_name ON domain_sets (object_id, name);
CREATE INDEX domain_sets_project ON domain_sets (project_id, created_ms);
CREATE INDEX domain_sets_firewall ON domain_sets (firewall_id);

-- the domain names of a group: a child collection, deleted with it
CREATE TABLE domain_set_domains (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL,
    firewall_id     TEXT NOT NULL,
    set_id          TEXT NOT NULL,
    object_id       TEXT NOT NULL,     -- the group's
    domain_set_type INTEGER NOT NULL,  -- the group's
    domain_name     TEXT NOT NULL,
    description     TEXT,
    created_ms      BIGINT NOT NULL,
    updated_ms      BIGINT NOT NULL
);

-- a name once per group (CFW.00400004 for a second one); also the lookup by group
CREATE UNIQUE INDEX domain_set_domains_member ON domain_set_domains (set_id, domain_name);
CREATE INDEX domain_set_domains_project ON domain_set_domains (project_id, created_ms);
CREATE INDEX domain_set_domains_firewall ON domain_set_domains (firewall_id);
-- the per-firewall quota of each type of group
CREATE INDEX domain_set_domains_kind ON domain_set_domains (firewall_id, domain_set_type);
