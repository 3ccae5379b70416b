"""`opencfw backup` and `opencfw restore` on SQLite, in-process."""

from __future__ import annotations

import sqlite3

import pytest

from opencfw import backup
from opencfw.cli import main
from opencfw.config import Settings
from opencfw.runtime import DATABASE_FILE, build_runtime


def test_backup_and_restore_round_trip(tmp_path, capsys):
    """A backup restored into another directory is intact, with the master key beside it."""
    runtime, _ = build_runtime(Settings(data_dir=tmp_path / "a"))
    runtime.close()
    assert main(["backup", str(tmp_path / "b.sqlite3"), "--data-dir", str(tmp_path / "a")]) == 0
    assert (tmp_path / "b.sqlite3.master.key").read_bytes() == (tmp_path / "a" / "master.key").read_bytes()
    assert main(["restore", str(tmp_path / "b.sqlite3"), "--data-dir", str(tmp_path / "c")]) == 0
    conn = sqlite3.connect(tmp_path / "c" / DATABASE_FILE)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert (tmp_path / "c" / "master.key").exists()
    runtime, _ = build_runtime(Settings(data_dir=tmp_path / "c"))  # the master key matches
    runtime.close()


def test_restore_refuses_a_directory_in_use(tmp_path, capsys):
    """While a server holds the data directory, restore exits 1 saying so."""
    runtime, _ = build_runtime(Settings(data_dir=tmp_path / "a"))
    runtime.close()
    backup.backup(tmp_path / "a" / DATABASE_FILE, tmp_path / "b.sqlite3")
    with backup.held(tmp_path / "a"):
        assert main(["restore", str(tmp_path / "b.sqlite3"), "--data-dir", str(tmp_path / "a")]) == 1
    assert "stop it before restoring" in capsys.readouterr().err
    assert main(["restore", str(tmp_path / "b.sqlite3"), "--data-dir", str(tmp_path / "a")]) == 0
    assert list((tmp_path / "a").glob(f"{DATABASE_FILE}.before-restore-*"))


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_postgres_points_to_pg_dump(tmp_path, monkeypatch, capsys, command):
    """On PostgreSQL, backup and restore say to use the database's own tools."""
    monkeypatch.setenv("OPENCFW_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    assert main([command, str(tmp_path / "x"), "--data-dir", str(tmp_path)]) == 3
    assert "pg_" in capsys.readouterr().err


def test_a_file_that_is_not_a_store_is_refused(tmp_path, capsys):
    """Restoring something that is not an opencfw store exits 1 and leaves the directory alone."""
    (tmp_path / "junk").write_bytes(b"not a database at all" * 100)
    assert main(["restore", str(tmp_path / "junk"), "--data-dir", str(tmp_path / "d")]) == 1
    assert "not an opencfw store" in capsys.readouterr().err
    assert not (tmp_path / "d" / DATABASE_FILE).exists()


def test_a_backup_is_readable_by_its_owner_only(tmp_path, capsys):
    """The backup holds password hashes and encrypted secrets: 0600 whatever the umask, also when it
    replaces an older, world-readable file."""
    import os

    runtime, _ = build_runtime(Settings(data_dir=tmp_path / "a"))
    runtime.close()
    target = tmp_path / "b.sqlite3"
    target.write_bytes(b"")
    target.chmod(0o644)
    old = os.umask(0o022)
    try:
        assert main(["backup", str(target), "--data-dir", str(tmp_path / "a")]) == 0
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "b.sqlite3.master.key").stat().st_mode & 0o777 == 0o600
