-- Named queries of the firewall-scoped operations that are not registry resources: firewall
-- settings, IP blacklist imports, organisation accounts, private network segments.

-- name: setting_get
SELECT value FROM firewall_switches WHERE project_id = ? AND firewall_id = ? AND name = ?

-- name: setting_delete
DELETE FROM firewall_switches WHERE project_id = ? AND firewall_id = ? AND name = ?

-- name: setting_insert
INSERT INTO firewall_switches (project_id, firewall_id, name, value, updated_ms) VALUES (?, ?, ?, ?, ?)

-- name: blacklist_page
SELECT effect_scope, name, addresses, import_status, error_message, import_ms
  FROM ip_blacklists WHERE project_id = ? AND firewall_id = ? ORDER BY effect_scope

-- name: blacklist_delete
DELETE FROM ip_blacklists WHERE project_id = ? AND firewall_id = ? AND effect_scope = ?

-- name: blacklist_insert
INSERT INTO ip_blacklists
  (project_id, firewall_id, effect_scope, name, addresses, import_status, error_message, job_id, import_ms)
  VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)

-- name: blacklist_restart
-- the outcome (error_message) stays: the same list ends the same way
UPDATE ip_blacklists SET import_status = 2, import_ms = ?
 WHERE project_id = ? AND firewall_id = ? AND name = ?

-- name: accounts_of
SELECT account_id, added_ms FROM firewall_accounts WHERE project_id = ? AND firewall_id = ?
 ORDER BY added_ms, account_id

-- name: account_insert
INSERT INTO firewall_accounts (project_id, firewall_id, account_id, added_ms) VALUES (?, ?, ?, ?)

-- name: account_delete
DELETE FROM firewall_accounts WHERE project_id = ? AND firewall_id = ? AND account_id = ?

-- name: segments_of
SELECT id, protect_network, az_info, subnet_name FROM private_network_segments
 WHERE project_id = ? AND firewall_id = ? ORDER BY position

-- name: segment_insert
INSERT INTO private_network_segments
  (id, project_id, firewall_id, protect_network, az_info, subnet_name, position, created_ms, updated_ms)
  VALUES (?, ?, ?, ?, ?, ?, (SELECT coalesce(max(position), 0) + 1 FROM private_network_segments WHERE firewall_id = ?), ?, ?)

-- name: segment_update
UPDATE private_network_segments SET protect_network = ?, az_info = ?, subnet_name = ?, updated_ms = ?
 WHERE project_id = ? AND firewall_id = ? AND id = ?

-- name: segment_delete
DELETE FROM private_network_segments WHERE project_id = ? AND firewall_id = ? AND id = ?

-- name: count_where
-- how many rows of a table a firewall has (the quota's usage)
SELECT count(*) FROM {table} WHERE project_id = ? AND firewall_id = ?
