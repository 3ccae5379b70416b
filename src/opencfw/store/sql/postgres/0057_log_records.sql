-- opencfw schema, version 57: the log records (access-control, flow and attack logs) behind the
-- log queries and statistics; same text in both dialects. Written by the service's recording
-- functions (the policy evaluator, a data plane, the admin API), deleted by the retention purge,
-- with their firewall and with a project reset.

CREATE TABLE log_records (
    id                TEXT PRIMARY KEY,      -- log_id
    project_id        TEXT NOT NULL,
    firewall_id       TEXT NOT NULL,
    object_id         TEXT NOT NULL,
    kind              TEXT NOT NULL,         -- acl, flow or attack
    log_type          TEXT NOT NULL,         -- internet, nat, vpc or vgw
    at_ms             BIGINT NOT NULL,       -- hit_time (acl), start_time (flow), event_time (attack)
    end_ms            BIGINT NOT NULL,       -- a flow's end; at_ms otherwise
    direction         TEXT NOT NULL,         -- in2out or out2in
    action            TEXT NOT NULL,         -- permit or deny
    src_ip            TEXT NOT NULL,
    src_port          INTEGER NOT NULL,
    dst_ip            TEXT NOT NULL,
    dst_port          INTEGER NOT NULL,
    protocol          TEXT NOT NULL,         -- TCP, UDP, ICMP, ICMPV6, ANY or the protocol number
    app               TEXT NOT NULL,
    dst_host          TEXT NOT NULL,
    rule_id           TEXT NOT NULL,         -- the ACL rule (acl), the IPS rule (attack)
    rule_name         TEXT NOT NULL,
    bytes             BIGINT NOT NULL,
    packets           BIGINT NOT NULL,
    attack_type       TEXT NOT NULL,
    level             TEXT NOT NULL,         -- CRITICAL, HIGH, MEDIUM or LOW (attack)
    source            TEXT NOT NULL,
    packet            TEXT NOT NULL,
    src_region_id     TEXT NOT NULL,
    src_region_name   TEXT NOT NULL,
    dst_region_id     TEXT NOT NULL,
    dst_region_name   TEXT NOT NULL,
    src_province_name TEXT NOT NULL,
    dst_province_name TEXT NOT NULL,
    src_city_name     TEXT NOT NULL,
    dst_city_name     TEXT NOT NULL
);

-- every read is one firewall's records of one kind in a time range, newest first; the direction,
-- action and bytes make the trends (the busiest statistics) read the index alone
CREATE INDEX log_records_time ON log_records (project_id, firewall_id, kind, at_ms, id, direction, action, bytes);
-- a firewall's deletion
CREATE INDEX log_records_firewall ON log_records (firewall_id);
-- the retention purge
CREATE INDEX log_records_age ON log_records (at_ms);
