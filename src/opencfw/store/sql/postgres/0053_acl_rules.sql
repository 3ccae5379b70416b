-- opencfw schema, version 53: ACL rules of a protected object, in their order, and the groups
-- they use (service/acl_rules.py); same text in both dialects.

CREATE TABLE acl_rules (
    id                       TEXT PRIMARY KEY,
    project_id               TEXT NOT NULL,
    firewall_id              TEXT NOT NULL,
    object_id                TEXT NOT NULL,
    -- the order: sparse positions (a gap between neighbours), smallest first; a move writes one row
    position                 BIGINT NOT NULL,
    pinned                   INTEGER NOT NULL,  -- placed with top=1 and not moved since (up_rules_count)
    name                     TEXT NOT NULL,
    type                     INTEGER NOT NULL,  -- 0 Internet border, 1 inter-VPC, 2 NAT
    address_type             INTEGER NOT NULL,
    action_type              INTEGER NOT NULL,  -- 0 permit, 1 deny
    status                   INTEGER NOT NULL,  -- 0 disabled, 1 enabled
    direction                INTEGER,
    long_connect_enable      INTEGER NOT NULL,
    long_connect_time        BIGINT,
    long_connect_time_hour   INTEGER,
    long_connect_time_minute INTEGER,
    long_connect_time_second INTEGER,
    description              TEXT,
    applications             TEXT NOT NULL,     -- JSON list
    source                   TEXT NOT NULL,     -- JSON, as sent
    destination              TEXT NOT NULL,
    service                  TEXT NOT NULL,
    tag_id                   TEXT,
    tag_key                  TEXT,
    tag_value                TEXT,
    hit_count                BIGINT NOT NULL,
    last_hit_ms              BIGINT,
    created_ms               BIGINT NOT NULL,
    updated_ms               BIGINT NOT NULL
);

-- the order, and the ids of a page without reading the rows skipped
CREATE INDEX acl_rules_order ON acl_rules (object_id, position, id);
CREATE INDEX acl_rules_pinned ON acl_rules (object_id, pinned);
CREATE INDEX acl_rules_project ON acl_rules (project_id, created_ms);
CREATE INDEX acl_rules_firewall ON acl_rules (firewall_id);

-- one row per group a rule uses (address, service or domain group): the groups' in-use check
CREATE TABLE acl_rule_refs (
    id             TEXT PRIMARY KEY,
    project_id     TEXT NOT NULL,
    firewall_id    TEXT NOT NULL,
    rule_id        TEXT NOT NULL,
    address_set_id TEXT,
    service_set_id TEXT,
    domain_set_id  TEXT
);

CREATE INDEX acl_rule_refs_rule ON acl_rule_refs (rule_id);
CREATE INDEX acl_rule_refs_address ON acl_rule_refs (address_set_id);
CREATE INDEX acl_rule_refs_service ON acl_rule_refs (service_set_id);
CREATE INDEX acl_rule_refs_domain ON acl_rule_refs (domain_set_id);
CREATE INDEX acl_rule_refs_firewall ON acl_rule_refs (firewall_id);

-- the last export and the last import of an object's rules (ExportRuleAcl, ImportRuleAcl)
CREATE TABLE acl_transfers (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    firewall_id TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,     -- 'export' or 'import'
    status      INTEGER NOT NULL,  -- 3 success, 5 partly, 6 failed (import)
    result      TEXT NOT NULL,     -- the export file, or the import's report
    created_ms  BIGINT NOT NULL
);

CREATE UNIQUE INDEX acl_transfers_kind ON acl_transfers (object_id, kind);
CREATE INDEX acl_transfers_firewall ON acl_transfers (firewall_id);
