"""The column lists of the firewall and job rows, in the order the row mappers expect."""

FIREWALL_COLUMNS = (
    "id, project_id, name, enterprise_project_id, status, edition, extend_eip_count, "
    "extend_bandwidth, extend_vpc_count, tags, internet_object_id, created_ms, updated_ms"
)
JOB_COLUMNS = (
    "id, project_id, kind, resource_id, status, steps, step_index, outcome, fail_at, attempts, "
    "begin_ms, end_ms, run_after_ms, lease_owner, lease_expires_ms, error_code, error_msg, "
    "updated_ms, step_started_ms"
)
