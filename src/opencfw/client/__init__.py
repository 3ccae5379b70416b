"""The ``opencfw job`` and ``opencfw firewall`` commands: a client of any CFW endpoint, built on the
official SDK (imported only when one of these commands runs)."""

from opencfw.client.commands import COMMANDS, register, run

__all__ = ["COMMANDS", "register", "run"]
