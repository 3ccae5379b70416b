# huaweicloud_cfw_firewall against opencfw: every call of the provider goes to opencfw_url.

provider "huaweicloud" {
  region     = var.region
  access_key = var.access_key
  secret_key = var.secret_key
  auth_url   = "${var.opencfw_url}v3" # the project id is looked up here: GET /v3/projects?name=<region>

  endpoints = {
    cfw = var.opencfw_url # the provider appends "v1/...", "v2/...", "v3/..."
    iam = var.opencfw_url
  }

  skip_check_website_type = true # no account-type lookup
  skip_check_upgrade      = true # no version check over the Internet
  max_retries             = 1
}

resource "huaweicloud_cfw_firewall" "this" {
  name = var.name

  flavor {
    version = var.flavor_version
  }

  charging_mode = "postPaid" # pay-per-use, the only mode opencfw serves
  tags          = var.tags

  ips_protection_mode = var.ips_protection_mode
  ips_switch_status   = var.ips_switch_status

  east_west_firewall_er_id           = var.east_west ? "er-interop" : null
  east_west_firewall_inspection_cidr = var.east_west ? "10.240.0.0/16" : null
  east_west_firewall_mode            = var.east_west ? "er" : null
  east_west_firewall_status          = var.east_west ? var.east_west_status : null
}

output "firewall_id" {
  value = huaweicloud_cfw_firewall.this.id
}
