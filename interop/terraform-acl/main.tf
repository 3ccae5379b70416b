# huaweicloud_cfw_acl_rule against opencfw: a firewall, an address group and a service group, and
# one rule that uses both; every call of the provider goes to opencfw_url.

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
  name          = "tf-acl"
  charging_mode = "postPaid"

  flavor {
    version = "Professional"
  }
}

locals {
  object_id = [for o in huaweicloud_cfw_firewall.this.protect_objects : o.object_id if o.type == 0][0]
}

resource "huaweicloud_cfw_address_group" "servers" {
  object_id = local.object_id
  name      = "tf-servers"
}

resource "huaweicloud_cfw_address_group_member" "web" {
  group_id = huaweicloud_cfw_address_group.servers.id
  address  = "192.0.2.10"
}

resource "huaweicloud_cfw_acl_rule" "this" {
  name                = var.rule_name
  object_id           = local.object_id
  description         = var.rule_description
  type                = 0
  address_type        = 0
  action_type         = var.action_type
  long_connect_enable = 0
  status              = 1
  direction           = 0

  source_addresses           = ["198.51.100.0/24"]
  destination_address_groups = [huaweicloud_cfw_address_group.servers.id]

  custom_services {
    protocol    = 6
    source_port = "1-65535"
    dest_port   = "443"
  }

  sequence {
    top = 1
  }

  tags = {
    owner = "tf"
  }
}

output "rule_id" {
  value = huaweicloud_cfw_acl_rule.this.id
}

output "object_id" {
  value = local.object_id
}
