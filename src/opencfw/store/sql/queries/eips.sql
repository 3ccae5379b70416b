-- The named queries of the EIP inventory and its protection (store/eips.py). Same conventions as
-- resources.sql: `?` is a bound value; `{where}` is made of the `eip_where_*` entries below.

-- name: eip_inventory_claim
-- the first use of a project's inventory: exactly one transaction inserts the row (and seeds)
INSERT INTO eip_inventories (project_id, next_index, created_ms) VALUES (?, 0, ?)
ON CONFLICT (project_id) DO NOTHING

-- name: eip_inventory_locked
SELECT next_index FROM eip_inventories WHERE project_id = ?

-- name: eip_inventory_locked@postgres
SELECT next_index FROM eip_inventories WHERE project_id = ? FOR UPDATE

-- name: eip_inventory_advance
UPDATE eip_inventories SET next_index = ? WHERE project_id = ?

-- name: eip_insert
INSERT INTO eips (id, project_id, public_ip, public_ipv6, device_id, device_name, device_owner,
                  associate_instance_type, synced, created_ms)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: eip_address_taken
SELECT count(*) FROM eips WHERE project_id = ? AND public_ip = ?

-- name: eip_select
-- an EIP with the firewall that protects it (if any); {where} starts with eip_where_project
SELECT e.id, e.project_id, e.public_ip, e.public_ipv6, e.device_id, e.device_name, e.device_owner,
       e.associate_instance_type, e.synced, e.created_ms, p.firewall_id, p.object_id
  FROM eips e LEFT JOIN eip_protections p ON p.eip_id = e.id
  LEFT JOIN firewalls f ON f.id = p.firewall_id
 WHERE {where}
 ORDER BY e.created_ms, e.id

-- name: eip_page
-- a page of a ListEips, the total from the same snapshot; the protecting firewall's name and its
-- bypass status come along
SELECT (SELECT count(*) FROM eips e LEFT JOIN eip_protections p ON p.eip_id = e.id
          LEFT JOIN firewalls f ON f.id = p.firewall_id WHERE {where}) AS total,
       e.id, e.project_id, e.public_ip, e.public_ipv6, e.device_id, e.device_name, e.device_owner,
       e.associate_instance_type, e.synced, e.created_ms, p.firewall_id, p.object_id,
       f.name, s.protection_status
  FROM eips e LEFT JOIN eip_protections p ON p.eip_id = e.id
  LEFT JOIN firewalls f ON f.id = p.firewall_id
  LEFT JOIN eip_settings s ON s.firewall_id = p.firewall_id
 WHERE {where}
 ORDER BY e.created_ms, e.id LIMIT ? OFFSET ?

-- name: eip_count
SELECT count(*) FROM eips e LEFT JOIN eip_protections p ON p.eip_id = e.id
  LEFT JOIN firewalls f ON f.id = p.firewall_id WHERE {where}

-- name: eip_where_project
e.project_id = ?

-- name: eip_where_synced
e.synced = 1

-- name: eip_where_id
e.id = ?

-- name: eip_where_protected_by
p.firewall_id = ?

-- name: eip_where_not_protected_by
(p.firewall_id IS NULL OR p.firewall_id <> ?)

-- name: eip_where_ipv6
e.public_ipv6 IS NOT NULL

-- name: eip_where_key_word@sqlite
(e.id = ? OR instr(e.public_ip, ?) > 0 OR instr(coalesce(e.public_ipv6, ''), lower(?)) > 0)

-- name: eip_where_key_word@postgres
(e.id = ? OR strpos(e.public_ip, ?) > 0 OR strpos(coalesce(e.public_ipv6, ''), lower(?)) > 0)

-- name: eip_where_device@sqlite
(e.device_id = ? OR instr(lower(coalesce(e.device_name, '')), lower(?)) > 0)

-- name: eip_where_device@postgres
(e.device_id = ? OR strpos(lower(coalesce(e.device_name, '')), lower(?)) > 0)

-- name: eip_where_firewall@sqlite
(p.firewall_id = ? OR instr(lower(coalesce(f.name, '')), lower(?)) > 0)

-- name: eip_where_firewall@postgres
(p.firewall_id = ? OR strpos(lower(coalesce(f.name, '')), lower(?)) > 0)

-- name: eip_sync
UPDATE eips SET synced = 1 WHERE project_id = ? AND synced = 0

-- name: eip_unsynced
SELECT id FROM eips WHERE project_id = ? AND synced = 0 ORDER BY created_ms, id

-- name: eip_delete
DELETE FROM eips WHERE project_id = ? AND id = ?

-- name: eip_delete_protection
DELETE FROM eip_protections WHERE project_id = ? AND eip_id = ?

-- name: eip_delete_whitelisted
DELETE FROM eip_alarm_whitelist WHERE project_id = ? AND eip_id = ?

-- name: eip_protect
INSERT INTO eip_protections (eip_id, project_id, firewall_id, object_id, created_ms) VALUES (?, ?, ?, ?, ?)

-- name: eip_counts
-- (EIPs CFW sees, protected by any firewall, protected by this one)
SELECT count(*), count(p.eip_id), count(CASE WHEN p.firewall_id = ? THEN 1 END)
  FROM eips e LEFT JOIN eip_protections p ON p.eip_id = e.id
 WHERE e.project_id = ? AND e.synced = 1

-- name: eip_protected_count
SELECT count(*) FROM eip_protections WHERE firewall_id = ?

-- name: eip_internet_object
-- the live firewall whose Internet border object this is: (id, status, edition, extend_eip_count)
SELECT id, status, edition, extend_eip_count FROM firewalls
 WHERE project_id = ? AND internet_object_id = ? AND status <> ?

-- name: eip_firewall
SELECT id, status, edition, extend_eip_count, internet_object_id FROM firewalls
 WHERE project_id = ? AND id = ? AND status <> ?

-- name: eip_firewall_locked@postgres
SELECT id, status, edition, extend_eip_count, internet_object_id FROM firewalls
 WHERE project_id = ? AND id = ? AND status <> ? FOR UPDATE

-- name: eip_firewall_locked
SELECT id, status, edition, extend_eip_count, internet_object_id FROM firewalls
 WHERE project_id = ? AND id = ? AND status <> ?

-- name: eip_auto_protect_firewalls
-- the project's live firewalls that protect new EIPs automatically, oldest first
SELECT f.id, f.status, f.edition, f.extend_eip_count, f.internet_object_id
  FROM eip_settings s JOIN firewalls f ON f.id = s.firewall_id
 WHERE s.project_id = ? AND s.auto_protect = 1 AND f.status = ?
 ORDER BY f.created_ms, f.id

-- name: eip_settings_get
SELECT firewall_id, project_id, object_id, auto_protect, protection_status, job_id, fail_reason, updated_ms
  FROM eip_settings WHERE project_id = ? AND firewall_id = ?

-- name: eip_settings_put
INSERT INTO eip_settings (firewall_id, project_id, object_id, auto_protect, protection_status, job_id,
                          fail_reason, updated_ms)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (firewall_id) DO UPDATE SET auto_protect = excluded.auto_protect,
       protection_status = excluded.protection_status, job_id = excluded.job_id,
       fail_reason = excluded.fail_reason, updated_ms = excluded.updated_ms

-- name: eip_switch_ended
-- a bypass or restoration job ended: the firewall's status follows, if that job is still its last
UPDATE eip_settings SET protection_status = ?, fail_reason = ?, updated_ms = ?
 WHERE firewall_id = ? AND job_id = ?

-- name: eip_whitelist_add
INSERT INTO eip_alarm_whitelist (firewall_id, eip_id, project_id, object_id, created_ms)
VALUES (?, ?, ?, ?, ?) ON CONFLICT (firewall_id, eip_id) DO NOTHING

-- name: eip_whitelist_page
SELECT (SELECT count(*) FROM eip_alarm_whitelist w JOIN eips e ON e.id = w.eip_id
         WHERE {where}) AS total,
       w.eip_id, w.firewall_id, w.object_id, e.public_ip, e.public_ipv6, e.device_name
  FROM eip_alarm_whitelist w JOIN eips e ON e.id = w.eip_id
 WHERE {where}
 ORDER BY w.created_ms, w.eip_id LIMIT ? OFFSET ?

-- name: eip_whitelist_where
w.project_id = ? AND w.firewall_id = ?

-- name: eip_whitelist_where_ip
(e.public_ip = ? OR e.public_ipv6 = ?)

-- name: eip_verdict
-- for the policy evaluator: is the address a protected EIP of the firewall, and its switch's status
SELECT (SELECT count(*) FROM eips e JOIN eip_protections p ON p.eip_id = e.id
         WHERE e.project_id = ? AND p.firewall_id = ? AND (e.public_ip = ? OR e.public_ipv6 = ?)),
       (SELECT protection_status FROM eip_settings WHERE project_id = ? AND firewall_id = ?)

-- name: eip_purge_project
DELETE FROM eips WHERE project_id = ?

-- name: eip_purge_inventory
DELETE FROM eip_inventories WHERE project_id = ?
