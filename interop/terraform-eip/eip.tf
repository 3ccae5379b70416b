# The EIP family of the provider on the firewall of ../terraform/main.tf (the test copies both):
# protection of some EIPs, auto-protection, an alarm whitelist entry, the bypass-all switch, and
# the three EIP data sources. Each is switched on by its variable.

variable "protected_eips" {
  description = "EIPs to protect: [{id, public_ipv4}]; none: no huaweicloud_cfw_eip_protection."
  type        = list(object({ id = string, public_ipv4 = string }))
  default     = []
}

variable "auto_protection" {
  type    = bool
  default = false
}

variable "whitelisted_eip" {
  type    = object({ id = string, public_ip = string })
  default = null
}

variable "bypass_operation" {
  description = "1 bypass all EIP protection, 0 restore; null: no switch."
  type        = number
  default     = null
}

locals {
  object_id = huaweicloud_cfw_firewall.this.protect_objects[0].object_id
}

resource "huaweicloud_cfw_eip_protection" "this" {
  count     = length(var.protected_eips) > 0 ? 1 : 0
  object_id = local.object_id

  dynamic "protected_eip" {
    for_each = var.protected_eips

    content {
      id          = protected_eip.value.id
      public_ipv4 = protected_eip.value.public_ipv4
    }
  }
}

resource "huaweicloud_cfw_eip_auto_protection" "this" {
  count          = var.auto_protection ? 1 : 0
  fw_instance_id = huaweicloud_cfw_firewall.this.id
  object_id      = local.object_id
  status         = 1
}

resource "huaweicloud_cfw_eip_alarm_whitelist" "this" {
  count          = var.whitelisted_eip == null ? 0 : 1
  fw_instance_id = huaweicloud_cfw_firewall.this.id
  eip_id         = var.whitelisted_eip.id
  public_ip      = var.whitelisted_eip.public_ip
}

resource "huaweicloud_cfw_eip_all_protection_switch" "this" {
  count            = var.bypass_operation == null ? 0 : 1
  fw_instance_id   = huaweicloud_cfw_firewall.this.id
  bypass_operation = var.bypass_operation
}

data "huaweicloud_cfw_eip_count" "this" {
  object_id      = local.object_id
  fw_instance_id = huaweicloud_cfw_firewall.this.id
  depends_on     = [huaweicloud_cfw_eip_protection.this]
}

data "huaweicloud_cfw_eip_auto_protect_status" "this" {
  object_id  = local.object_id
  depends_on = [huaweicloud_cfw_eip_auto_protection.this, huaweicloud_cfw_eip_protection.this]
}

data "huaweicloud_cfw_sn_firewall_protection_status" "this" {
  fw_instance_id = huaweicloud_cfw_firewall.this.id
  depends_on     = [huaweicloud_cfw_eip_all_protection_switch.this]
}

output "eip_protected_self" {
  value = data.huaweicloud_cfw_eip_count.this.eip_protected_self
}

output "auto_protect_status" {
  value = data.huaweicloud_cfw_eip_auto_protect_status.this.data[0].status
}

output "protection_status" {
  value = data.huaweicloud_cfw_sn_firewall_protection_status.this.data[0].protection_status
}
