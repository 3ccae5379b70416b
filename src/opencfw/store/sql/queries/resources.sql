-- The named queries of the resource registry (store/repository.py), in the style of
-- procrastinate's queries.sql: each entry starts with a line `-- name: <name>` (or
-- `-- name: <name>@<dialect>` for the text one dialect needs instead). `?` marks a bound value;
-- `{table}`, `{columns}` and the like are identifiers from a resource's declaration, checked to be
-- plain identifiers when it is declared; values are never put into the text.

-- name: resource_insert
INSERT INTO {table} ({columns}) VALUES ({placeholders})

-- name: value
?

-- name: assign
{column} = ?

-- name: resource_get
SELECT {columns} FROM {table} WHERE project_id = ? AND id = ?

-- name: resource_get_locked
SELECT {columns} FROM {table} WHERE project_id = ? AND id = ?

-- name: resource_get_locked@postgres
SELECT {columns} FROM {table} WHERE project_id = ? AND id = ? FOR UPDATE

-- name: resource_page
-- one statement, so the total and the page come from the same snapshot
SELECT (SELECT count(*) FROM {table} WHERE {where}) AS total, {columns}
  FROM {table} WHERE {where} ORDER BY created_ms, id LIMIT ? OFFSET ?

-- name: resource_count
SELECT count(*) FROM {table} WHERE {where}

-- name: resource_update
UPDATE {table} SET {assignments} WHERE project_id = ? AND id = ?

-- name: resource_delete
DELETE FROM {table} WHERE project_id = ? AND id = ?

-- name: resource_delete_children
-- the child rows of a parent row that is being deleted (an address group's members)
DELETE FROM {table} WHERE project_id = ? AND {column} = ?

-- name: resource_child_values
-- the distinct values of a column among a parent row's children (a service group's protocols)
SELECT DISTINCT {column} FROM {table} WHERE project_id = ? AND {parent} = ? ORDER BY {column}

-- name: resource_referrers
SELECT count(*) FROM {table} WHERE project_id = ? AND {column} = ?

-- name: resource_referrer_rows
-- the rows of a referring resource that refer to a row (a domain group's `rules`)
SELECT id, name FROM {table} WHERE project_id = ? AND {column} = ? ORDER BY created_ms, id

-- name: resource_referrer_parents
-- the parent rows of referring child rows (a rule, through its link rows to groups)
SELECT DISTINCT p.id, p.name, p.created_ms FROM {table} c JOIN {parent} p ON p.id = c.{parent_column}
 WHERE c.project_id = ? AND c.{column} = ? ORDER BY p.created_ms, p.id

-- name: purge_project
DELETE FROM {table} WHERE project_id = ?

-- name: purge_firewall
DELETE FROM {table} WHERE firewall_id = ?

-- name: purge_orphans
-- rows whose firewall no longer exists at all (retention purged it before its rows went with it)
DELETE FROM {table} WHERE NOT EXISTS (SELECT 1 FROM firewalls f WHERE f.id = {table}.firewall_id)

-- name: scope_firewall
-- the live firewall that owns a row
SELECT id FROM firewalls WHERE project_id = ? AND id = ? AND status <> ?

-- name: scope_firewall_locked
-- the same inside a write; on PostgreSQL its row stays locked until commit, so that the firewall's
-- deletion (which takes the rows it owns) cannot slip between this check and an insert
SELECT id FROM firewalls WHERE project_id = ? AND id = ? AND status <> ?

-- name: scope_firewall_locked@postgres
SELECT id FROM firewalls WHERE project_id = ? AND id = ? AND status <> ? FOR UPDATE

-- name: scope_object
-- a protected object: the Internet border object of a live firewall, or its VPC border object
SELECT id FROM firewalls WHERE project_id = ? AND internet_object_id = ? AND status <> ?
UNION ALL
SELECT e.firewall_id FROM east_west e JOIN firewalls f ON f.id = e.firewall_id
 WHERE e.project_id = ? AND e.object_id = ? AND f.status <> ?

-- name: scope_internet_object
-- the Internet-border object of a live firewall (type 0), not a VPC-border one
SELECT id FROM firewalls WHERE project_id = ? AND internet_object_id = ? AND status <> ?

-- name: filter_child
-- rows having a child row that matches {{condition}} (a group holding an address)
EXISTS (SELECT 1 FROM {child} c WHERE c.{parent_column} = {table}.id AND {{condition}})

-- name: filter_project
project_id = ?

-- name: filter_exact
{column} = ?

-- name: filter_key_word@sqlite
instr(lower({column}), lower(?)) > 0

-- name: filter_key_word@postgres
strpos(lower({column}), lower(?)) > 0

-- name: filter_address
({column} = ? OR substr({column}, 1, length(CAST(? AS TEXT)) + 1) = CAST(? AS TEXT) || '/')
