-- The data plane's reads (store/dataplane_sql.py): the whole enforced state of every firewall
-- that is up.

-- name: dataplane_firewalls
-- status 2 = running: the create job succeeded and the firewall is not being deleted
SELECT id, project_id, internet_object_id FROM firewalls WHERE status = 2

-- name: dataplane_lists
-- list_type 4 = blacklist, 5 = whitelist
SELECT l.firewall_id, l.id, l.list_type, l.direction, l.address, l.protocol, l.port
  FROM black_white_lists l JOIN firewalls f ON f.id = l.firewall_id
 WHERE f.status = 2 ORDER BY l.created_ms, l.id
