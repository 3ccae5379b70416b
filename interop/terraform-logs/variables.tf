variable "opencfw_url" {
  description = "Base URL of the opencfw server, with a trailing slash."
  type        = string
  default     = "http://127.0.0.1:9449/"
}

variable "region" {
  type    = string
  default = "cn-north-4"
}

variable "access_key" {
  type      = string
  sensitive = true
}

variable "secret_key" {
  type      = string
  sensitive = true
}

variable "fw_instance_id" {
  type = string
}

variable "start_time" {
  description = "UTC, \"2006-01-02 15:04:05\" (the list data sources)."
  type        = string
}

variable "end_time" {
  type = string
}

variable "start_ms" {
  description = "Epoch milliseconds (huaweicloud_cfw_logs)."
  type        = number
}

variable "end_ms" {
  type = number
}
