-- opencfw schema, version 50: the first table of the resource registry (black/white list entries).
-- Numbered 50 to leave room for the migrations of changes made meanwhile; same text in both dialects.

CREATE TABLE black_white_lists (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL,
    firewall_id  TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    list_type    INTEGER NOT NULL,
    direction    INTEGER NOT NULL,
    address_type INTEGER NOT NULL,
    address      TEXT NOT NULL,
    protocol     INTEGER NOT NULL,
    port         TEXT,
    description  TEXT,
    created_ms   BIGINT NOT NULL,
    updated_ms   BIGINT NOT NULL
);

-- one entry per address in each list of an object (CFW.00400011 for a second one)
CREATE UNIQUE INDEX black_white_lists_entry ON black_white_lists (object_id, list_type, address);
CREATE INDEX black_white_lists_project ON black_white_lists (project_id, created_ms);
CREATE INDEX black_white_lists_firewall ON black_white_lists (firewall_id);
