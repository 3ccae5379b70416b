-- The named queries of the ACL rules (service/acl_rules.py). `{columns}` is the rule model's
-- column list, `{where}` filters built from the entries below, `{ids}` a list of `?`.

-- name: acl_insert
INSERT INTO acl_rules ({columns}) VALUES ({values})

-- name: acl_get
SELECT {columns} FROM acl_rules WHERE project_id = ? AND id = ?

-- name: acl_get_locked
SELECT {columns} FROM acl_rules WHERE project_id = ? AND id = ?

-- name: acl_get_locked@postgres
SELECT {columns} FROM acl_rules WHERE project_id = ? AND id = ? FOR UPDATE

-- name: acl_update
UPDATE acl_rules SET {assignments} WHERE project_id = ? AND id = ?

-- name: acl_delete
DELETE FROM acl_rules WHERE project_id = ? AND id = ?

-- name: acl_page
-- the ids of a page (the index holds them: no row is read for the rows skipped) and the total,
-- from one snapshot; highest priority first
SELECT (SELECT count(*) FROM acl_rules WHERE {where}) AS total, id
  FROM acl_rules WHERE {where} ORDER BY position LIMIT ? OFFSET ?

-- name: acl_rows
SELECT {columns} FROM acl_rules WHERE id IN ({ids})

-- name: acl_count
SELECT count(*) FROM acl_rules WHERE {where}

-- name: acl_rank
-- the 1-based place of a rule in its object's order
SELECT count(*) + 1 FROM acl_rules WHERE object_id = ? AND position < ?

-- name: acl_first
-- the highest rule of an object but one (the rule being placed)
SELECT position FROM acl_rules WHERE object_id = ? AND id <> ? ORDER BY position LIMIT 1

-- name: acl_last
SELECT position FROM acl_rules WHERE object_id = ? AND id <> ? ORDER BY position DESC LIMIT 1

-- name: acl_next
-- the position right after a rule's
SELECT min(position) FROM acl_rules WHERE object_id = ? AND position > ? AND id <> ?

-- name: acl_order
SELECT id FROM acl_rules WHERE object_id = ? ORDER BY position

-- name: acl_move
UPDATE acl_rules SET position = ?, pinned = ?, updated_ms = ? WHERE id = ?

-- name: acl_renumber
UPDATE acl_rules SET position = ? WHERE id = ?

-- name: acl_long_connections
SELECT count(*) FROM acl_rules WHERE object_id = ? AND long_connect_enable = 1 AND id <> ?

-- name: acl_pinned
SELECT count(*) FROM acl_rules WHERE object_id = ? AND pinned = 1

-- name: acl_all
-- every rule of an object, in order (the evaluator's compilation)
SELECT {columns} FROM acl_rules WHERE project_id = ? AND object_id = ? ORDER BY position

-- name: acl_hit
UPDATE acl_rules SET hit_count = hit_count + 1, last_hit_ms = ? WHERE project_id = ? AND id = ?

-- name: acl_clear_hits
UPDATE acl_rules SET hit_count = 0 WHERE project_id = ? AND id = ?

-- name: acl_set_action
UPDATE acl_rules SET action_type = ?, updated_ms = ? WHERE project_id = ? AND id = ?

-- name: acl_ref_insert
INSERT INTO acl_rule_refs (id, project_id, firewall_id, rule_id, address_set_id, service_set_id, domain_set_id)
VALUES (?, ?, ?, ?, ?, ?, ?)

-- name: acl_refs_delete
DELETE FROM acl_rule_refs WHERE project_id = ? AND rule_id = ?

-- name: acl_address_sets
SELECT id, name, address_set_type, object_id FROM address_sets WHERE project_id = ? AND id IN ({ids})

-- name: acl_service_sets
SELECT id, name, service_set_type, object_id FROM service_sets WHERE project_id = ? AND id IN ({ids})

-- name: acl_domain_sets
SELECT id, name, domain_set_type, object_id FROM domain_sets WHERE project_id = ? AND id IN ({ids})

-- name: acl_service_protocols
SELECT set_id, protocol FROM service_items WHERE project_id = ? AND set_id IN ({ids})

-- name: acl_address_members
SELECT set_id, address FROM address_items WHERE project_id = ? AND set_id IN ({ids})

-- name: acl_service_members
SELECT set_id, protocol, source_port, dest_port FROM service_items WHERE project_id = ? AND set_id IN ({ids})

-- name: acl_lists
-- the black and white list entries of an object (the evaluator)
SELECT id, list_type, direction, address, protocol, port FROM black_white_lists
 WHERE project_id = ? AND object_id = ?

-- name: acl_version
-- the project's latest event: any change of rules, groups or lists writes one
SELECT max(seq) FROM events WHERE project_id = ?

-- name: acl_object
-- a protected object of a live firewall and its kind: 0 Internet border, 1 VPC border
SELECT id, 0 FROM firewalls WHERE project_id = ? AND internet_object_id = ? AND status <> ?
UNION ALL
SELECT e.firewall_id, 1 FROM east_west e JOIN firewalls f ON f.id = e.firewall_id
 WHERE e.project_id = ? AND e.object_id = ? AND f.status <> ?

-- name: acl_firewall_object
-- a live firewall's Internet border object
SELECT internet_object_id FROM firewalls WHERE project_id = ? AND id = ? AND status <> ?

-- name: acl_transfer_delete
DELETE FROM acl_transfers WHERE project_id = ? AND object_id = ? AND kind = ?

-- name: acl_transfer_insert
INSERT INTO acl_transfers (id, project_id, firewall_id, object_id, kind, status, result, created_ms)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)

-- name: acl_transfer_get
SELECT id, status, result FROM acl_transfers WHERE project_id = ? AND object_id = ? AND kind = ?

-- name: acl_tags
-- the distinct tags of a firewall's rules
SELECT DISTINCT tag_id, tag_key, tag_value FROM acl_rules
 WHERE project_id = ? AND firewall_id = ? AND tag_key IS NOT NULL ORDER BY tag_key, tag_value, tag_id
