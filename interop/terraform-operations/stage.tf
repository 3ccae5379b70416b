# With versions.tf and variables.tf of interop/terraform (the provider, the server's URL, region
# and keys), copied next to this folder's files by tests/interop/test_terraform_operations.py.

variable "stage" {
  description = "1: create; 2: change the schedule and profile, export and delete the blacklist."
  type        = number
  default     = 1
}
