variable "opencfw_url" {
  type = string
}

variable "region" {
  type = string
}

variable "access_key" {
  type = string
}

variable "secret_key" {
  type      = string
  sensitive = true
}

variable "suffix" {
  description = "changes the names and descriptions of every object: an update in place"
  type        = string
  default     = "one"
}
