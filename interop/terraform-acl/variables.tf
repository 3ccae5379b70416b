variable "opencfw_url" {
  description = "Base URL of the opencfw server, with a trailing slash."
  type        = string
}

variable "region" {
  type = string
}

variable "access_key" {
  type      = string
  sensitive = true
}

variable "secret_key" {
  type      = string
  sensitive = true
}

variable "rule_name" {
  type    = string
  default = "tf-allow-https"
}

variable "rule_description" {
  type    = string
  default = "from the documentation network"
}

variable "action_type" {
  description = "0 permit, 1 deny."
  type        = number
  default     = 0
}
