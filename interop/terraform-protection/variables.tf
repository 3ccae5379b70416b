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
variable "ips_severity" {
  type    = number
  default = 1
}
variable "ips_action" {
  type    = number
  default = 1
}
variable "anti_virus" {
  type    = map(number)
  default = { "0" = 1, "4" = 0 }
}
variable "alarm_count" {
  type    = number
  default = 20
}
variable "access_logs" {
  type    = number
  default = 1
}
variable "custom_dns" {
  type    = list(string)
  default = ["8.8.8.8"]
}
variable "stop_capture" {
  type    = bool
  default = false
}
