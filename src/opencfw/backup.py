"""Online backups of the SQLite store and restores into a stopped data directory.

A backup uses sqlite3's backup API in one step: it reads one consistent snapshot of the database
(WAL mode lets the server keep writing meanwhile), so it holds every transaction committed before
it began. A server or worker holds a shared lock on ``opencfw.lock`` in the data directory for as
long as it runs; a restore takes that lock exclusively, so it refuses a directory in use.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

LOCK_FILE = "opencfw.lock"
MASTER_KEY_FILE = "master.key"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


@contextlib.contextmanager
def held(data_dir: Path, exclusive: bool = False) -> Iterator[None]:
    """Hold the data directory's lock: shared while serving, exclusive while restoring."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        if exclusive:
            raise BackupError(f"cannot lock {data_dir}: {exc.strerror}") from None
        # a read-only or unwritable directory: nothing can restore into it either, and the store
        # reports the problem itself, in its own words, when it opens
        yield
        return
    try:
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            if exclusive:
                raise BackupError(
                    f"a server or worker is using {data_dir}: stop it before restoring"
                ) from None
            raise BackupError(f"{data_dir} is being restored: try again when it is done") from None
        yield
    finally:
        os.close(fd)


def _check(path: Path) -> None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"{path} fails PRAGMA integrity_check: {result}")
        conn.execute("SELECT count(*) FROM schema_migrations").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not an opencfw store: {exc}") from None
    finally:
        conn.close()


def _copy(source: Path, target: Path, journal_mode: str) -> None:
    """Copy ``source`` to ``target`` with the backup API, in one step (one consistent snapshot).
    ``target`` is readable by its owner only (0600, whatever the umask): it holds password hashes
    and encrypted secret keys; SQLite gives its journal files the same mode."""
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        os.chmod(target, 0o600)  # an existing file keeps its mode through O_CREAT
    except OSError as exc:
        raise BackupError(f"cannot write {target}: {exc.strerror}") from None
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute(f"PRAGMA journal_mode = {journal_mode}")
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy {source}: {exc}") from None
    finally:
        dst.close()
        src.close()


def backup(database: Path, target: Path) -> None:
    """Write a consistent copy of ``database`` (in use or not) to ``target``, and the master key
    file beside it (``<target>.master.key``) when the data directory has one."""
    if not database.exists():
        raise BackupError(f"there is no store at {database}")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    _copy(database, partial, "DELETE")
    _check(partial)
    os.replace(partial, target)
    key = database.parent / MASTER_KEY_FILE
    if key.exists():
        key_copy = target.with_name(target.name + ".master.key")
        shutil.copyfile(key, key_copy)
        key_copy.chmod(0o600)


def restore(source: Path, database: Path) -> Path | None:
    """Replace the store at ``database`` by the backup ``source``; the data directory must not be
    in use. The store it replaces is kept beside it; returns that file (None if there was none)."""
    if not source.exists():
        raise BackupError(f"there is no backup at {source}")
    _check(source)
    data_dir = database.parent
    with held(data_dir, exclusive=True):
        kept = None
        if database.exists():
            kept = database.with_name(f"{database.name}.before-restore-{time.strftime('%Y%m%dT%H%M%S')}")
            _copy(database, kept, "DELETE")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        _copy(source, database, "WAL")
        key_copy = source.with_name(source.name + ".master.key")
        if key_copy.exists() and not (data_dir / MASTER_KEY_FILE).exists():
            shutil.copyfile(key_copy, data_dir / MASTER_KEY_FILE)
            (data_dir / MASTER_KEY_FILE).chmod(0o600)
        return kept
