# Schedules, report profiles and reports, the IP blacklist, the organisation tree, east-west reads
# and config quotas against opencfw, on one firewall.

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
  name          = "tf-operations"
  charging_mode = "postPaid"

  flavor {
    version = "Professional"
  }
}

locals {
  fw_id     = huaweicloud_cfw_firewall.this.id
  object_id = huaweicloud_cfw_firewall.this.protect_objects[0].object_id
}

resource "huaweicloud_cfw_schedule" "office" {
  object_id   = local.object_id
  name        = "office-hours"
  description = var.stage == 1 ? "weekdays" : "weekdays and saturday"

  periodic {
    type       = 1
    start_time = "08:00:00"
    end_time   = "18:00:00"
    week_mask  = var.stage == 1 ? [1, 2, 3, 4, 5] : [1, 2, 3, 4, 5, 6]
  }

  absolute {
    start_time = 1773730600349
    end_time   = 1774076220000
  }
}

resource "huaweicloud_cfw_report_profile" "audit" {
  fw_instance_id = local.fw_id
  category       = "custom"
  name           = var.stage == 1 ? "audit" : "audit-renamed"
  topic_urn      = "urn:smn:cn-north-4:0123456789abcdef:audit"
  status         = "1"

  statistic_period {
    start_time = 1772035200000
    end_time   = 1772726399999
  }
}

resource "huaweicloud_cfw_import_ip_blacklist" "feed" {
  fw_instance_id = local.fw_id
  add_type       = 0
  ip_blacklist   = "198.51.100.7,203.0.113.0/24"
  effect_scope   = [1]
}

resource "huaweicloud_cfw_ip_blacklist_switch" "on" {
  fw_instance_id = local.fw_id
  status         = 1
}

resource "huaweicloud_cfw_export_ip_blacklist" "feed" {
  count          = var.stage == 2 ? 1 : 0
  fw_instance_id = local.fw_id
  name           = "ip-blacklist-eip.txt"
  depends_on     = [huaweicloud_cfw_import_ip_blacklist.feed]
}

resource "huaweicloud_cfw_delete_ip_blacklist" "feed" {
  count          = var.stage == 2 ? 1 : 0
  fw_instance_id = local.fw_id
  effect_scope   = [1]
  depends_on     = [huaweicloud_cfw_export_ip_blacklist.feed]
}

data "huaweicloud_cfw_schedules" "all" {
  object_id  = local.object_id
  depends_on = [huaweicloud_cfw_schedule.office]
}

data "huaweicloud_cfw_report_profiles" "all" {
  fw_instance_id = local.fw_id
  depends_on     = [huaweicloud_cfw_report_profile.audit]
}

data "huaweicloud_cfw_report_history" "audit" {
  fw_instance_id    = local.fw_id
  report_profile_id = huaweicloud_cfw_report_profile.audit.id
}

data "huaweicloud_cfw_report" "audit" {
  fw_instance_id    = local.fw_id
  report_profile_id = huaweicloud_cfw_report_profile.audit.id
  report_id         = data.huaweicloud_cfw_report_history.audit.records[0].report_id
}

data "huaweicloud_cfw_ip_blacklist" "all" {
  fw_instance_id = local.fw_id
  depends_on     = [huaweicloud_cfw_import_ip_blacklist.feed, huaweicloud_cfw_delete_ip_blacklist.feed]
}

data "huaweicloud_cfw_ip_blacklist_switch" "this" {
  fw_instance_id = local.fw_id
  depends_on     = [huaweicloud_cfw_ip_blacklist_switch.on]
}

data "huaweicloud_cfw_organization_tree" "this" {
  fw_instance_id = local.fw_id
}

data "huaweicloud_cfw_firewall_router" "this" {
  fw_instance_id = local.fw_id
}

data "huaweicloud_cfw_inspection_vpcs" "this" {
  fw_instance_id = local.fw_id
}

data "huaweicloud_cfw_vpcs_protection" "this" {
  object_id = local.object_id
}

data "huaweicloud_cfw_firewall_config_quota" "blacklist" {
  fw_instance_id = local.fw_id
  config_type    = "PRIVATE_NETWORK_SEGMENT"
}

output "schedules" {
  value = data.huaweicloud_cfw_schedules.all.records
}

output "report_profiles" {
  value = data.huaweicloud_cfw_report_profiles.all.data
}

output "report" {
  value = {
    category         = data.huaweicloud_cfw_report.audit.category
    statistic_period = data.huaweicloud_cfw_report.audit.statistic_period
  }
}

# names and scopes only: an import's status moves from 2 (importing) to 1 on its own
output "ip_blacklist" {
  value = [
    for r in data.huaweicloud_cfw_ip_blacklist.all.data[0].records : { name = r.name, effect_scope = r.effect_scope }
  ]
}

output "ip_blacklist_switch" {
  value = data.huaweicloud_cfw_ip_blacklist_switch.this.data
}

output "organization" {
  value = data.huaweicloud_cfw_organization_tree.this.data
}

output "routers" {
  value = data.huaweicloud_cfw_firewall_router.this.er_list
}

output "vpcs_protection" {
  value = data.huaweicloud_cfw_vpcs_protection.this.data
}

output "quota" {
  value = data.huaweicloud_cfw_firewall_config_quota.blacklist.data
}

output "exported" {
  value = var.stage == 2 ? huaweicloud_cfw_export_ip_blacklist.feed[0].data : ""
}
