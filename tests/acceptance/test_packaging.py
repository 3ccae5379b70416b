"""The wheel, installed into a clean virtual environment, serves."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import venv
from pathlib import Path

from tests.acceptance.server import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_installs_into_a_clean_venv_and_serves(tmp_path):
    """`pip wheel .` then `pip install` into a fresh venv: `opencfw serve` from it answers health 200
    and has its package data (migrations, OpenAPI document, the dashboard's files)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next((tmp_path / "dist").glob("opencfw-*.whl"))
    venv.create(tmp_path / "venv", with_pip=True)
    bin_dir = tmp_path / "venv" / "bin"
    subprocess.run(
        [bin_dir / "pip", "install", "-q", str(wheel)], check=True, capture_output=True, timeout=600
    )
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENCFW_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(OPENCFW_DATA_DIR=str(tmp_path / "data"), OPENCFW_PORT=str(port))
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [bin_dir / "opencfw", "serve"], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_opencfw/health", timeout=1) as reply:
                    assert reply.status == 200
                    break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_opencfw/openapi.json", timeout=5) as reply:
            assert reply.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/favicon.ico", timeout=5) as reply:
            assert reply.status == 200 and reply.read()[:4] == b"\x00\x00\x01\x00"  # the dashboard's icon
    finally:
        proc.terminate()
        assert proc.wait(timeout=20) == 0
    installed = subprocess.run(
        [bin_dir / "python", "-c", "import opencfw, sys; print(opencfw.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    ).stdout
    assert str(tmp_path / "venv") in installed  # the wheel's copy, not the source tree
