# The log data sources of the huaweicloud provider against opencfw: the records of one firewall in
# a time window (tests/interop/test_terraform_logs.py injects them first).

provider "huaweicloud" {
  region     = var.region
  access_key = var.access_key
  secret_key = var.secret_key
  auth_url   = "${var.opencfw_url}v3"

  endpoints = {
    cfw = var.opencfw_url
    iam = var.opencfw_url
  }

  skip_check_website_type = true
  skip_check_upgrade      = true
  max_retries             = 1
}

data "huaweicloud_cfw_access_control_logs" "denied" {
  fw_instance_id = var.fw_instance_id
  start_time     = var.start_time
  end_time       = var.end_time
  action         = "deny"
}

data "huaweicloud_cfw_flow_logs" "inbound" {
  fw_instance_id = var.fw_instance_id
  start_time     = var.start_time
  end_time       = var.end_time
  direction      = "out2in"
}

data "huaweicloud_cfw_attack_logs" "all" {
  fw_instance_id = var.fw_instance_id
  start_time     = var.start_time
  end_time       = var.end_time
}

data "huaweicloud_cfw_logs" "flows" {
  fw_instance_id = var.fw_instance_id
  start_time     = var.start_ms
  end_time       = var.end_ms
  log_type       = "internet"
  type           = "flow"

  filters {
    field    = "dst_port"
    operator = "equal"
    values   = ["443"]
  }
}

output "denied" {
  value = [for r in data.huaweicloud_cfw_access_control_logs.denied.records : r.rule_name]
}

output "inbound_bytes" {
  value = sum(concat([0], [for r in data.huaweicloud_cfw_flow_logs.inbound.records : r.bytes]))
}

output "attacks" {
  value = [for r in data.huaweicloud_cfw_attack_logs.all.records : r.attack_rule]
}

output "flows_443" {
  value = length(data.huaweicloud_cfw_logs.flows.records)
}
