"""Run the Huawei Cloud provider's own CFW acceptance tests against a local opencfw (not part of CI).

    .venv/bin/python -m tests.interop.provider_acctests --source DIR [--run REGEX] [--store-url URL]

DIR is a checkout of the provider (``OPENCFW_TF_PROVIDER_SOURCE``). Those tests configure the
provider from the environment only, and there is no variable for a service endpoint: the endpoint is
``https://cfw.{region}.{cloud}/``. ``HW_CLOUD=@127.0.0.1:PORT`` turns that into a URL whose host is
this machine (``cfw.{region}.`` becomes user information, which Go's client does not send once the
request carries its AK/SK signature), so a small TLS relay on PORT (self-signed certificate,
``HW_INSECURE=true``) forwards to opencfw. ``HW_AUTH_URL`` points at opencfw directly. Prints the
``go test`` tally; nothing else is needed from the network.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from tests.acceptance.server import AK, PROJECT, SK, Server, free_port
from tests.interop import tools

REGION = "cn-north-4"
PACKAGE = "./huaweicloud/services/acceptance/cfw/"


class TlsRelay:
    """Terminate TLS on a local port and pipe the bytes to a plain-HTTP port."""

    def __init__(self, target_port: int, workdir: Path) -> None:
        self.target_port = target_port
        self.port = free_port()
        cert, key = workdir / "relay.crt", workdir / "relay.key"
        openssl = [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ]
        subprocess.run(
            [*openssl, "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60
        )
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        self.ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", self.port, ssl=self.context)
        )
        self.ready.set()
        self.loop.run_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while chunk := await src.read(65536):
                    dst.write(chunk)
                    await dst.drain()
            except (ConnectionError, ssl.SSLError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


def create_firewall(url: str) -> str:
    """One running firewall, made with opencfw's own client; its id."""
    env = dict(os.environ, CLOUD_SDK_AK=AK, CLOUD_SDK_SK=SK, OPENCFW_PROJECT_ID=PROJECT, OPENCFW_ENDPOINT=url)
    done = subprocess.run(
        [sys.executable, "-m", "opencfw", "firewall", "create", "acctest-fw", "--wait", "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return str(json.loads(done.stdout)["fw_instance_id"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", default=os.environ.get("OPENCFW_TF_PROVIDER_SOURCE"), required=False)
    parser.add_argument("--run", default="", help="go test -run REGEX (default: every CFW test)")
    parser.add_argument("--parallel", default="4")
    parser.add_argument("--timeout", default="90m")
    parser.add_argument(
        "--firewall", action="store_true", help="create a firewall first and pass it as HW_CFW_INSTANCE_ID"
    )
    args = parser.parse_args()
    if not args.source or not Path(args.source, "go.mod").is_file():
        parser.error("--source (or OPENCFW_TF_PROVIDER_SOURCE) must name a checkout of the provider")
    work = Path(tempfile.mkdtemp(prefix="opencfw-acctest-"))
    server = Server(work / "data", None, provision_seconds="0").start()
    try:
        relay = TlsRelay(server.port, work)
        env = dict(os.environ)
        env.update(
            GOMODCACHE=str(tools.CACHE / "gomod"),
            GOCACHE=str(tools.CACHE / "gocache"),
            GOPATH=str(tools.CACHE / "gopath"),
            GOFLAGS="-buildvcs=false -mod=vendor",
            GOPROXY="off",
            TF_ACC="1",
            TF_ACC_TERRAFORM_PATH=shutil.which("terraform") or "terraform",
            CHECKPOINT_DISABLE="1",
            HOME=str(work),
            HW_REGION_NAME=REGION,
            HW_ACCESS_KEY=AK,
            HW_SECRET_KEY=SK,
            HW_AUTH_URL=f"{server.url}/v3",
            HW_CLOUD=f"@127.0.0.1:{relay.port}",
            HW_INSECURE="true",
            SKIP_CHECK_WEBSITE_TYPE="true",
            SKIP_CHECK_UPGRADE="true",
            HW_MAX_RETRIES="1",
            TF_LOG="DEBUG",
            TF_LOG_PATH=str(work / "terraform.log"),
        )
        if args.firewall:
            env["HW_CFW_INSTANCE_ID"] = create_firewall(server.url)
        command = [
            "go",
            "test",
            PACKAGE,
            "-v",
            "-count=1",
            f"-parallel={args.parallel}",
            f"-timeout={args.timeout}",
        ]
        if args.run:
            command.append(f"-run={args.run}")
        log = work / "go-test.log"
        print(f"opencfw {server.url}, TLS relay 127.0.0.1:{relay.port}; log: {log}", flush=True)
        with open(log, "w") as out:
            done = subprocess.run(command, cwd=args.source, env=env, stdout=out, stderr=subprocess.STDOUT)
        text = log.read_text(errors="replace")
        tally = {word: len(re.findall(rf"^\s*--- {word}: ", text, re.M)) for word in ("PASS", "FAIL", "SKIP")}
        for line in re.findall(r"^\s*--- (?:PASS|FAIL): .*$", text, re.M):
            print(line.strip())
        print(
            f"{tally['PASS']} passed, {tally['FAIL']} failed, {tally['SKIP']} skipped (go test exit {done.returncode})"
        )
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
