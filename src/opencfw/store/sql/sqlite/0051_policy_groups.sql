-- opencfw schema, version 51: IP address groups and service groups, and their members (resource
-- registry); same text in both dialects.

CREATE TABLE address_sets (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL,
    firewall_id  TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    name         TEXT NOT NULL,
    address_type INTEGER NOT NULL,
    description  TEXT,
    created_ms   BIGINT NOT NULL,
    updated_ms   BIGINT NOT NULL,
    address_set_type INTEGER NOT NULL,  -- 0 user-defined (1 WAF, 2 DDoS, 3 NAT64 predefined)
    predefined   INTEGER NOT NULL       -- 0 user-defined, 1 predefined (query_address_set_type)
);

-- one group of a name per protected object (CFW.00200007 for a second one)
CREATE UNIQUE INDEX address_sets_name ON address_sets (object_id, name);
CREATE INDEX address_sets_project ON address_sets (project_id, created_ms);
CREATE INDEX address_sets_firewall ON address_sets (firewall_id);

-- the members of a group: a child collection, deleted with it
CREATE TABLE address_items (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL,
    firewall_id  TEXT NOT NULL,
    set_id       TEXT NOT NULL,
    address_type INTEGER NOT NULL,
    address      TEXT NOT NULL,
    name         TEXT,
    description  TEXT,
    created_ms   BIGINT NOT NULL,
    updated_ms   BIGINT NOT NULL
);

-- one member per address in a group (CFW.00400004 for a second one); also the lookup by group
CREATE UNIQUE INDEX address_items_member ON address_items (set_id, address);
CREATE INDEX address_items_project ON address_items (project_id, created_ms);
CREATE INDEX address_items_firewall ON address_items (firewall_id);

CREATE TABLE service_sets (
    id               TEXT PRIMARY KEY,
    project_id       TEXT NOT NULL,
    firewall_id      TEXT NOT NULL,
    object_id        TEXT NOT NULL,
    name             TEXT NOT NULL,
    description      TEXT,
    created_ms       BIGINT NOT NULL,
    updated_ms       BIGINT NOT NULL,
    service_set_type INTEGER NOT NULL  -- 0 user-defined, 1 predefined
);

-- one group of a name per protected object (CFW.00200007 for a second one)
CREATE UNIQUE INDEX service_sets_name ON service_sets (object_id, name);
CREATE INDEX service_sets_project ON service_sets (project_id, created_ms);
CREATE INDEX service_sets_firewall ON service_sets (firewall_id);

-- the members of a group: a child collection, deleted with it
CREATE TABLE service_items (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    firewall_id TEXT NOT NULL,
    set_id      TEXT NOT NULL,
    protocol    INTEGER NOT NULL,
    source_port TEXT NOT NULL,  -- '' for ICMP and ICMPv6
    dest_port   TEXT NOT NULL,
    name        TEXT,
    description TEXT,
    created_ms  BIGINT NOT NULL,
    updated_ms  BIGINT NOT NULL
);

-- one member per service in a group (CFW.00400004 for a second one); also the lookup by group
CREATE UNIQUE INDEX service_items_member ON service_items (set_id, protocol, source_port, dest_port);
CREATE INDEX service_items_project ON service_items (project_id, created_ms);
CREATE INDEX service_items_firewall ON service_items (firewall_id);
