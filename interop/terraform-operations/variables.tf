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

variable "stage" {
  description = "1: create; 2: change the schedule and profile, export and delete the blacklist."
  type        = number
  default     = 1
}
