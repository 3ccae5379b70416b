# The policy objects of a firewall against opencfw: address and service groups with members, a
# domain-name group, a blacklist entry, and the data sources that list them.

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
  name = "tf-policy"

  flavor {
    version = "Professional"
  }

  charging_mode = "postPaid"
}

locals {
  fw_instance_id = huaweicloud_cfw_firewall.this.id
  object_id      = huaweicloud_cfw_firewall.this.protect_objects[0].object_id
}

resource "huaweicloud_cfw_address_group" "this" {
  object_id    = local.object_id
  name         = "servers-${var.suffix}"
  description  = "servers ${var.suffix}"
  address_type = 0
}

resource "huaweicloud_cfw_address_group_member" "this" {
  group_id    = huaweicloud_cfw_address_group.this.id
  address     = "192.168.10.0/24"
  description = "subnet"
}

resource "huaweicloud_cfw_service_group" "this" {
  object_id   = local.object_id
  name        = "web-${var.suffix}"
  description = "web ${var.suffix}"
}

resource "huaweicloud_cfw_service_group_member" "this" {
  group_id    = huaweicloud_cfw_service_group.this.id
  protocol    = 6
  source_port = "1-65535"
  dest_port   = "443"
  description = "https"
}

resource "huaweicloud_cfw_domain_name_group" "this" {
  fw_instance_id = local.fw_instance_id
  object_id      = local.object_id
  name           = "sites-${var.suffix}"
  type           = 0
  description    = "sites ${var.suffix}"

  domain_names {
    domain_name = "www.${var.suffix}.example.com"
    description = "site"
  }
  domain_names {
    domain_name = "api.example.com"
    description = "api"
  }
}

resource "huaweicloud_cfw_black_white_list" "this" {
  object_id    = local.object_id
  list_type    = 4
  direction    = 0
  protocol     = 6
  port         = "443"
  address_type = 0
  address      = "2.2.2.0/24"
  description  = "blocked ${var.suffix}"
}

data "huaweicloud_cfw_address_groups" "this" {
  object_id  = local.object_id
  depends_on = [huaweicloud_cfw_address_group.this, huaweicloud_cfw_address_group_member.this]
}

data "huaweicloud_cfw_address_group_members" "this" {
  group_id   = huaweicloud_cfw_address_group.this.id
  depends_on = [huaweicloud_cfw_address_group_member.this]
}

data "huaweicloud_cfw_service_groups" "this" {
  object_id  = local.object_id
  depends_on = [huaweicloud_cfw_service_group.this, huaweicloud_cfw_service_group_member.this]
}

data "huaweicloud_cfw_service_group_members" "this" {
  group_id   = huaweicloud_cfw_service_group.this.id
  depends_on = [huaweicloud_cfw_service_group_member.this]
}

data "huaweicloud_cfw_domain_name_groups" "this" {
  fw_instance_id = local.fw_instance_id
  object_id      = local.object_id
  depends_on     = [huaweicloud_cfw_domain_name_group.this]
}

data "huaweicloud_cfw_black_white_lists" "this" {
  object_id  = local.object_id
  list_type  = 4
  depends_on = [huaweicloud_cfw_black_white_list.this]
}

output "listed" {
  value = {
    address_groups        = [for g in data.huaweicloud_cfw_address_groups.this.address_groups : g.name]
    address_group_members = [for m in data.huaweicloud_cfw_address_group_members.this.records : m.address]
    service_groups        = [for g in data.huaweicloud_cfw_service_groups.this.service_groups : g.name]
    service_group_members = [for m in data.huaweicloud_cfw_service_group_members.this.records : m.dest_port]
    domain_name_groups    = [for g in data.huaweicloud_cfw_domain_name_groups.this.records : g.name]
    black_white_lists     = [for e in data.huaweicloud_cfw_black_white_lists.this.records : e.address]
  }
}
