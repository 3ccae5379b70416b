"""Exit codes, the same for every ``opencfw`` command (server and client), and the argument parser
that gives usage errors theirs."""

from __future__ import annotations

import argparse
import enum
import sys
from typing import NoReturn


class Exit(enum.IntEnum):
    """What a command's exit status means; scripts branch on it (README, "Exit codes")."""

    OK = 0
    #: the job failed, or the command could not do its work (store, disk, master key, server error)
    FAILED = 1
    #: `job wait` / `--wait` gave up: the job was still running at `--timeout`
    TIMED_OUT = 2
    #: the command line, a setting or the credentials are wrong: fix the call, not the system
    USAGE = 3
    #: the job, firewall or access key does not exist
    NOT_FOUND = 4
    #: Ctrl-C (SIGINT)
    INTERRUPTED = 130
    #: whoever read the output went away (`| head`): the rest is not written, nothing is said
    BROKEN_PIPE = 141


EXIT_HELP = (
    "exit codes: 0 success, 1 failed (the job, or the command's work), 2 timed out, "
    "3 usage, settings or authentication, 4 not found, 130 interrupted"
)


class ArgumentParser(argparse.ArgumentParser):
    """argparse with usage errors exiting ``Exit.USAGE`` (argparse's own 2 means "timed out" here).
    Subparsers are of the same class, so every command's usage errors exit alike."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(int(Exit.USAGE), f"{self.prog}: error: {message}\n")
