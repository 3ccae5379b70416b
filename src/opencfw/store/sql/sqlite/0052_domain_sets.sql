-- opencfw schema, version 52: domain name groups and their domain names (resource registry), and
-- the predefined groups of the firewalls made before;
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

-- services of predefined groups are read-only and count in no quota
ALTER TABLE service_items ADD COLUMN predefined INTEGER NOT NULL DEFAULT 0;

-- the predefined address and service groups (resources/predefined.py) of the firewalls made before
-- this version; a new firewall gets them when it is created
INSERT INTO address_sets (id, project_id, firewall_id, object_id, name, address_type, description,
                          created_ms, updated_ms, address_set_type, predefined)
SELECT internet_object_id || '-waf', project_id, id, internet_object_id, 'WAF-back-to-source', 0, NULL,
       created_ms, created_ms, 1, 1
  FROM firewalls WHERE status <> 4;
INSERT INTO address_sets (id, project_id, firewall_id, object_id, name, address_type, description,
                          created_ms, updated_ms, address_set_type, predefined)
SELECT internet_object_id || '-nat64', project_id, id, internet_object_id, 'NAT64', 0, NULL,
       created_ms, created_ms, 3, 1
  FROM firewalls WHERE status <> 4;
INSERT INTO service_sets (id, project_id, firewall_id, object_id, name, description, created_ms,
                          updated_ms, service_set_type)
SELECT internet_object_id || '-web', project_id, id, internet_object_id, 'Web', 'Common web services',
       created_ms, created_ms, 1
  FROM firewalls WHERE status <> 4;
INSERT INTO service_items (id, project_id, firewall_id, set_id, protocol, source_port, dest_port, name,
                           description, created_ms, updated_ms, predefined)
SELECT internet_object_id || '-web-1', project_id, id, internet_object_id || '-web', 6, '1-65535', '80',
       NULL, NULL, created_ms, created_ms, 1
  FROM firewalls WHERE status <> 4;
INSERT INTO service_items (id, project_id, firewall_id, set_id, protocol, source_port, dest_port, name,
                           description, created_ms, updated_ms, predefined)
SELECT internet_object_id || '-web-2', project_id, id, internet_object_id || '-web', 6, '1-65535', '443',
       NULL, NULL, created_ms, created_ms, 1
  FROM firewalls WHERE status <> 4;
INSERT INTO service_items (id, project_id, firewall_id, set_id, protocol, source_port, dest_port, name,
                           description, created_ms, updated_ms, predefined)
SELECT internet_object_id || '-web-3', project_id, id, internet_object_id || '-web', 6, '1-65535', '8080',
       NULL, NULL, created_ms, created_ms, 1
  FROM firewalls WHERE status <> 4;
INSERT INTO service_sets (id, project_id, firewall_id, object_id, name, description, created_ms,
                          updated_ms, service_set_type)
SELECT internet_object_id || '-remote', project_id, id, internet_object_id, 'Remote-login-and-ping', 'Remote login and ping',
       created_ms, created_ms, 1
  FROM firewalls WHERE status <> 4;
INSERT INTO service_items (id, project_id, firewall_id, set_id, protocol, source_port, dest_port, name,
                           description, created_ms, updated_ms, predefined)
SELECT internet_object_id || '-remote-1', project_id, id, internet_object_id || '-remote', 6, '1-65535', '22',
       NULL, NULL, created_ms, created_ms, 1
  FROM firewalls WHERE status <> 4;
INSERT INTO service_items (id, project_id, firewall_id, set_id, protocol, source_port, dest_port, name,
                           description, created_ms, updated_ms, predefined)
SELECT internet_object_id || '-remote-2', project_id, id, internet_object_id || '-remote', 6, '1-65535', '23',
       NULL, NULL, created_ms, created_ms, 1
  FROM firewalls WHERE status <> 4;
INSERT INTO service_items (id, project_id, firewall_id, set_id, protocol, source_port, dest_port, name,
                           description, created_ms, updated_ms, predefined)
SELECT internet_object_id || '-remote-3', project_id, id, internet_object_id || '-remote', 6, '1-65535', '3389',
       NULL, NULL, created_ms, created_ms, 1
  FROM firewalls WHERE status <> 4;
INSERT INTO service_items (id, project_id, firewall_id, set_id, protocol, source_port, dest_port, name,
                           description, created_ms, updated_ms, predefined)
SELECT internet_object_id || '-remote-4', project_id, id, internet_object_id || '-remote', 1, '', '',
       NULL, NULL, created_ms, created_ms, 1
  FROM firewalls WHERE status <> 4;
INSERT INTO service_sets (id, project_id, firewall_id, object_id, name, description, created_ms,
                          updated_ms, service_set_type)
SELECT internet_object_id || '-database', project_id, id, internet_object_id, 'Database', 'Common databases',
       created_ms, created_ms, 1
  FROM firewalls WHERE status <> 4;
INSERT INTO service_items (id, project_id, firewall_id, set_id, protocol, source_port, dest_port, name,
                           description, created_ms, updated_ms, predefined)
SELECT internet_object_id || '-database-1', project_id, id, internet_object_id || '-database', 6, '1-65535', '1433',
       NULL, NULL, created_ms, created_ms, 1
  FROM firewalls WHERE status <> 4;
INSERT INTO service_items (id, project_id, firewall_id, set_id, protocol, source_port, dest_port, name,
                           description, created_ms, updated_ms, predefined)
SELECT internet_object_id || '-database-2', project_id, id, internet_object_id || '-database', 6, '1-65535', '1521',
       NULL, NULL, created_ms, created_ms, 1
  FROM firewalls WHERE status <> 4;
INSERT INTO service_items (id, project_id, firewall_id, set_id, protocol, source_port, dest_port, name,
                           description, created_ms, updated_ms, predefined)
SELECT internet_object_id || '-database-3', project_id, id, internet_object_id || '-database', 6, '1-65535', '3306',
       NULL, NULL, created_ms, created_ms, 1
  FROM firewalls WHERE status <> 4;
INSERT INTO service_items (id, project_id, firewall_id, set_id, protocol, source_port, dest_port, name,
                           description, created_ms, updated_ms, predefined)
SELECT internet_object_id || '-database-4', project_id, id, internet_object_id || '-database', 6, '1-65535', '5432',
       NULL, NULL, created_ms, created_ms, 1
  FROM firewalls WHERE status <> 4;
INSERT INTO service_items (id, project_id, firewall_id, set_id, protocol, source_port, dest_port, name,
                           description, created_ms, updated_ms, predefined)
SELECT internet_object_id || '-database-5', project_id, id, internet_object_id || '-database', 6, '1-65535', '6379',
       NULL, NULL, created_ms, created_ms, 1
  FROM firewalls WHERE status <> 4;
INSERT INTO service_items (id, project_id, firewall_id, set_id, protocol, source_port, dest_port, name,
                           description, created_ms, updated_ms, predefined)
SELECT internet_object_id || '-database-6', project_id, id, internet_object_id || '-database', 6, '1-65535', '27017',
       NULL, NULL, created_ms, created_ms, 1
  FROM firewalls WHERE status <> 4;
