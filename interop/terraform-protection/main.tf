# IPS, anti-virus, alarms, LTS logs, DNS and capture tasks of one firewall, against opencfw.

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

resource "huaweicloud_cfw_firewall" "this" {
  name = "tf-protection"
  flavor {
    version = "Professional"
  }
  charging_mode = "postPaid"
}

locals {
  fw  = huaweicloud_cfw_firewall.this.id
  obj = [for o in huaweicloud_cfw_firewall.this.protect_objects : o.object_id if o.type == 0][0]
}

resource "huaweicloud_cfw_ips_custom_rule" "this" {
  fw_instance_id = local.fw
  ips_name       = "passwd-read"
  action_type    = var.ips_action
  affected_os    = 2
  attack_type    = 5
  direction      = 0
  protocol       = 9
  severity       = var.ips_severity
  software       = 2

  contents {
    content           = "/etc/passwd"
    depth             = 1024
    is_hex            = false
    is_ignore         = true
    is_uri            = true
    offset            = 0
    relative_position = 0
  }
  dst_port {
    port_type = 0
    ports     = "80"
  }
  src_port {
    port_type = -1
  }
}

resource "huaweicloud_cfw_anti_virus" "this" {
  object_id = local.obj
  dynamic "scan_protocol_configs" {
    for_each = var.anti_virus
    content {
      protocol_type = scan_protocol_configs.key
      action        = scan_protocol_configs.value
    }
  }
}

resource "huaweicloud_cfw_alarm_config" "attack" {
  fw_instance_id    = local.fw
  alarm_type        = 0
  alarm_time_period = 1
  frequency_count   = var.alarm_count
  frequency_time    = 10
  severity          = "CRITICAL,HIGH"
  topic_urn         = "urn:smn:cn-north-4:0123456789abcdef0123456789abcdef:cfw-alarms"
}

resource "huaweicloud_cfw_lts_log" "this" {
  fw_instance_id               = local.fw
  lts_log_group_id             = "0b7e6c5a-1111-4000-8000-000000000001"
  lts_attack_log_stream_enable = 1
  lts_attack_log_stream_id     = "0b7e6c5a-1111-4000-8000-000000000002"
  lts_access_log_stream_enable = var.access_logs
  lts_access_log_stream_id     = "0b7e6c5a-1111-4000-8000-000000000003"
  lts_flow_log_stream_enable   = 0
}

resource "huaweicloud_cfw_dns_resolution" "this" {
  fw_instance_id           = local.fw
  default_dns_servers      = ["100.125.1.250"]
  custom_dns_servers       = var.custom_dns
  health_check_domain_name = "www.example.com"
}

resource "huaweicloud_cfw_add_dns_server" "this" {
  fw_instance_id = local.fw
  server_ip      = "1.1.1.1"
  depends_on     = [huaweicloud_cfw_dns_resolution.this]
}

resource "huaweicloud_cfw_capture_task" "this" {
  fw_instance_id = local.fw
  name           = "tf-capture"
  duration       = 5
  max_packets    = 100000
  stop_capture   = var.stop_capture

  destination {
    address      = "10.0.0.0/24"
    address_type = 0
  }
  source {
    address      = "192.168.1.10"
    address_type = 0
  }
  service {
    protocol  = 6
    dest_port = "443"
  }
}

data "huaweicloud_cfw_ips_rules" "log4j" {
  object_id     = local.obj
  ips_name_like = "Log4j"
}

resource "huaweicloud_cfw_ips_rule_mode_change" "this" {
  object_id = local.obj
  ips_ids   = [for r in data.huaweicloud_cfw_ips_rules.log4j.records : r.ips_id]
  status    = "OBSERVE"
}

data "huaweicloud_cfw_advanced_ips_rules" "this" {
  object_id = local.obj
}

resource "huaweicloud_cfw_advanced_ips_rule" "scan" {
  object_id     = local.obj
  ips_rule_id   = [for r in data.huaweicloud_cfw_advanced_ips_rules.this.advanced_ips_rules : r.ips_rule_id if r.ips_rule_type == 0][0]
  ips_rule_type = 0
  action        = 1
  status        = 1
  param         = "{\"threshold\":11}"
}

data "huaweicloud_cfw_ips_custom_rules" "this" {
  fw_instance_id = local.fw
  object_id      = local.obj
  depends_on     = [huaweicloud_cfw_ips_custom_rule.this]
}

data "huaweicloud_cfw_capture_tasks" "this" {
  fw_instance_id = local.fw
  depends_on     = [huaweicloud_cfw_capture_task.this]
}

data "huaweicloud_cfw_ips_rule_details" "this" {
  fw_instance_id = local.fw
}

output "ips_rule_id" {
  value = huaweicloud_cfw_ips_custom_rule.this.id
}
output "custom_rules" {
  value = length(data.huaweicloud_cfw_ips_custom_rules.this.records)
}
output "capture_tasks" {
  value = length(data.huaweicloud_cfw_capture_tasks.this.records)
}
output "log4j_rules" {
  value = length(data.huaweicloud_cfw_ips_rules.log4j.records)
}
output "ips_versions" {
  value = length(data.huaweicloud_cfw_ips_rule_details.this.data)
}
