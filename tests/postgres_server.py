"""A throw-away PostgreSQL server for the tests: started on a free port of 127.0.0.1, in a
temporary folder, and stopped (folder removed) at the end.

It needs the server's programs (initdb, pg_ctl; Debian's `postgresql` package puts them in
/usr/lib/postgresql/<version>/bin/) and psycopg2 (PyPI's psycopg2-binary) for SQLAlchemy.
PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user that the
Debian package creates.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def server_programs() -> Path | None:
    """The folder holding initdb and pg_ctl, or None when PostgreSQL is not installed."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "initdb").exists() and Path(folder, "pg_ctl").exists():
            return Path(folder)
    return None


def why_not() -> str | None:
    """Why a PostgreSQL server cannot be started here (a skip reason), or None when it can."""
    if server_programs() is None:
        return "PostgreSQL's initdb/pg_ctl not found (apt-get install -y postgresql)"
    try:
        import psycopg2  # noqa: F401 (only checked)
    except ImportError:
        return "psycopg2 is not installed (pip install psycopg2-binary, pinned in constraints.txt)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` user to run the server as"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def postgres_server(database: str = "gradebook") -> Iterator[str]:
    """Start a PostgreSQL server with an empty database; yield its SQLAlchemy URL; stop it.

    Args:
        database: the name of the database to create.

    Yields:
        e.g. "postgresql+psycopg2://grader@127.0.0.1:54321/gradebook" (no password: the
        server trusts connections from 127.0.0.1 only, and lives as long as the test).
    """
    bin_dir = server_programs()
    folder = Path(tempfile.mkdtemp(prefix="pg-test-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, log, port = folder / "data", folder / "server.log", free_port()

    def run(*command: str) -> None:
        subprocess.run([*as_user, *command], check=True, capture_output=True, text=True)

    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "grader", "-A", "trust", "-E", "UTF8")
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off"
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start")
    try:
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=port, user="grader", dbname="postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{database}"')
        connection.close()
        yield f"postgresql+psycopg2://grader@127.0.0.1:{port}/{database}"
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                        "stop"], check=False, capture_output=True)  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)
