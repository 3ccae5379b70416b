-- The data plane's reads (store/dataplane_sql.py): the whole enforced state of every firewall
-- that is up.

-- name: dataplane_firewalls
-- status 2 = running: the create job succeeded and the firewall is not being deleted
SELECT id, project_id, internet_object_id FROM firewalls WHERE status = 2

-- name: dataplane_eips
-- every EIP of the projects that have a firewall up (the lab gives each a host)
SELECT e.project_id, e.public_ip FROM eips e
 WHERE e.project_id IN (SELECT project_id FROM firewalls WHERE status = 2)

-- name: dataplane_protected
SELECT p.firewall_id, e.public_ip FROM eip_protections p JOIN eips e ON e.id = p.eip_id

-- name: dataplane_protection_status
SELECT firewall_id, protection_status FROM eip_settings
