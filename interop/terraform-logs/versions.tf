terraform {
  required_version = ">= 1.5"

  required_providers {
    huaweicloud = {
      source  = "huaweicloud/huaweicloud"
      version = "1.97.1" # the version tests/interop builds and mirrors locally
    }
  }
}
