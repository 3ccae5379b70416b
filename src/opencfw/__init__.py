"""opencfw: a self-hosted Huawei Cloud Firewall (CFW) provisioning-task API."""

__version__ = "0.1.0"
