variable "opencfw_url" {
  description = "Base URL of the opencfw server, with a trailing slash."
  type        = string
  default     = "http://127.0.0.1:9449/"
}

variable "region" {
  description = "Region: the name of an opencfw project (OPENCFW_REGION)."
  type        = string
  default     = "cn-north-4"
}

variable "access_key" {
  type      = string
  sensitive = true
}

variable "secret_key" {
  type      = string
  sensitive = true
}

variable "name" {
  type    = string
  default = "tf-interop"
}

variable "flavor_version" {
  description = "Standard or Professional."
  type        = string
  default     = "Professional"
}

variable "tags" {
  description = "Firewall tags; opencfw:outcome = \"failed\" makes the creation job fail."
  type        = map(string)
  default     = { team = "qa" }
}

variable "ips_protection_mode" {
  description = "0 observe, 1 strict, 2 medium, 3 loose."
  type        = number
  default     = 1
}

variable "ips_switch_status" {
  description = "IPS virtual-patch switch: 0 off, 1 on."
  type        = number
  default     = 1
}

variable "east_west" {
  description = "Create east-west protection (an ER and an inspection CIDR) with the firewall."
  type        = bool
  default     = true
}

variable "east_west_status" {
  description = "East-west protection: 0 protecting, 1 stopped (the API's numbering)."
  type        = number
  default     = 0
}
