#!/usr/bin/env python3
"""Serve the public site: N Streamlit processes on loopback ports behind nginx, sharing one database file.

    python3 scripts/serve.py --processes 2 --port 8080            # http://127.0.0.1:8080
    python3 scripts/serve.py --processes 4 --port 80 --address 0.0.0.0   # a public host (root or CAP_NET_BIND_SERVICE)

Why this shape: one Streamlit process runs every session's script on one core, so a second visitor
waits for the first; N processes use N cores. Each process opens the same database file read-only
(a rebuild renames a new file into place and every process follows it on its next page load).
nginx (Debian package `nginx`; `bash scripts/setup.sh --host` installs it) forwards the websocket
(HTTP/1.1 upgrade), compresses text, caps uploads, and keeps each browser on one process with a
cookie naming its process (a session and its uploads live in one process); a new visitor goes to the
process with the fewest open connections, so visitors behind one NAT address are still spread out.

The launcher writes nginx.conf and logs into --run-dir, starts everything, waits until the site
answers through the proxy, then runs until SIGINT/SIGTERM and stops everything it started.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sna.config import settings  # noqa: E402
from sna.userfiles import MAX_BYTES  # noqa: E402

FRONTEND = Path(importlib.util.find_spec("streamlit").origin).parent / "static" / "static"  # its JS, CSS, fonts

# The public-site settings, given on the command line too so a local config.toml cannot weaken them.
STREAMLIT_FLAGS = {
    "server.headless": "true", "server.address": "127.0.0.1", "server.runOnSave": "false",
    "server.fileWatcherType": "none", "server.enableXsrfProtection": "true",
    "server.maxUploadSize": str(MAX_BYTES // (1024 * 1024)), "client.showErrorDetails": "none",
    "client.toolbarMode": "viewer", "browser.gatherUsageStats": "false",
}

NGINX_CONF = """# Written by scripts/serve.py: {processes} Streamlit process(es) behind one nginx.
worker_processes 1;
daemon off;
pid {run}/nginx.pid;
error_log {run}/nginx-error.log warn;
{user}
events {{ worker_connections 1024; }}

http {{
    include /etc/nginx/mime.types;
    log_format sna '$remote_addr [$time_local] "$request" $status $body_bytes_sent upstream=$upstream_addr rt=$request_time';
    access_log {run}/nginx-access.log sna;
    client_body_temp_path {run}/tmp/body;
    proxy_temp_path {run}/tmp/proxy;
    fastcgi_temp_path {run}/tmp/fastcgi;
    uwsgi_temp_path {run}/tmp/uwsgi;
    scgi_temp_path {run}/tmp/scgi;
    server_tokens off;

    gzip on;
    gzip_comp_level 5;
    gzip_min_length 1024;
    gzip_proxied any;
    gzip_types text/plain text/css application/javascript application/json image/svg+xml;

    # Sticky sessions: a new visitor goes to the process with the fewest open connections (each tab holds one
    # websocket, so that is the least busy process) and gets a cookie naming it; later requests with that
    # cookie go to the same process, or to another if it is down. A hash of a random cookie had put 13 of a
    # burst of 20 visitors on one of two processes as often as not (issue 13).
    map $cookie_sna_backend $sna_upstream {{ default sna_new;
{pinned_map}    }}
    map $upstream_addr $sna_backend_index {{ default "";
{index_map}    }}
    map $sna_upstream $sna_set_cookie {{ sna_new "sna_backend=$sna_backend_index; Path=/; HttpOnly; SameSite=Lax"; default ""; }}
    map $http_upgrade $connection_upgrade {{ default upgrade; "" close; }}

    upstream sna_new {{
        least_conn;
{servers}
    }}
{pinned_upstreams}
    server {{
        listen {address}:{port};
        client_max_body_size {body_mb}m;
        add_header Set-Cookie $sna_set_cookie;
        add_header X-Content-Type-Options nosniff always;
        add_header Referrer-Policy same-origin always;

        # Streamlit's front end straight from disk (content-hashed names, copied to a folder in the system's
        # temp folder, which nginx's unprivileged workers can reach wherever Python is installed): a first
        # visit asks for some 120 files, which the busy Python process served one after another while the
        # map waited (issue 10: time to the first map).
        location /static/ {{
            alias {frontend}/;
            add_header Cache-Control "public, max-age=31536000, immutable" always;
            add_header X-Content-Type-Options nosniff always;
        }}

        location / {{
            proxy_pass http://$sna_upstream;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 86400s;
            proxy_buffering off;
        }}
    }}
}}
"""


def nginx_conf(run: Path, address: str, port: int, backends: list[int], frontend: Path) -> str:
    user = f"user {worker_user()};" if worker_user() else ""
    def server(port: int, backup: bool = False) -> str:
        return f"        server 127.0.0.1:{port} {'backup' if backup else 'max_fails=1 fail_timeout=5s'};\n"

    servers = "".join(server(p) for p in backends).rstrip("\n")
    pinned = "".join(f"    upstream sna_{i} {{\n{server(p)}" + "".join(server(q, backup=True) for q in backends if q != p) + "    }\n"
                     for i, p in enumerate(backends))
    return NGINX_CONF.format(processes=len(backends), run=run, user=user, servers=servers, address=address, port=port,
                             body_mb=MAX_BYTES // (1024 * 1024) + 1, frontend=frontend, pinned_upstreams=pinned,
                             pinned_map="".join(f'        "{i}" sna_{i};\n' for i in range(len(backends))),
                             index_map="".join(f'        "127.0.0.1:{p}" "{i}";\n' for i, p in enumerate(backends)))


def worker_user() -> str | None:
    """nginx drops its workers' privileges only when started as root: to www-data (Debian's) or nobody."""
    if os.geteuid() != 0:
        return None
    for name in ("www-data", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    return None


def wait_for(url: str, seconds: float = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url, timeout=2).read().strip() == b"ok":
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


class Site:
    """The processes one launch started (only these are ever stopped)."""

    def __init__(self, run: Path):
        self.run = run
        self.children: list[subprocess.Popen] = []
        self.frontend = Path(tempfile.mkdtemp(prefix="sna-frontend-"))
        shutil.copytree(FRONTEND, self.frontend, dirs_exist_ok=True)  # 25 MB, the installed Streamlit's own
        for path in [self.frontend, *self.frontend.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)

    def start(self, args, log_name: str, env: dict | None = None) -> subprocess.Popen:
        log = (self.run / log_name).open("w")
        proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.children.append(proc)
        return proc

    def stop(self) -> None:
        for proc in reversed(self.children):
            if proc.poll() is None:
                proc.terminate()
        for proc in self.children:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self.frontend, ignore_errors=True)


def launch(processes: int, address: str, port: int, base_port: int, run: Path, db_path: Path,
           script: str = "app.py") -> Site:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise SystemExit("nginx is not installed: bash scripts/setup.sh --host (or apt-get install -y nginx)")
    if not db_path.is_file():
        raise SystemExit(f"No database at {db_path}: python3 -m sna build first (or set SNA_DB)")
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    if worker_user():
        run.chmod(0o755)
        for path in [run / "tmp", *(run / "tmp").rglob("*")]:
            shutil.chown(path, worker_user())
    site = Site(run)
    backends = [base_port + i for i in range(processes)]
    env = {**os.environ, "SNA_DB": str(db_path)}
    try:
        for backend in backends:
            flags = [f"--{k}={v}" for k, v in {**STREAMLIT_FLAGS, "server.port": str(backend)}.items()]
            site.start([sys.executable, "-m", "streamlit", "run", script, *flags], f"streamlit-{backend}.log", env)
        for backend in backends:
            wait_for(f"http://127.0.0.1:{backend}/_stcore/health")
        conf = run / "nginx.conf"
        conf.write_text(nginx_conf(run, address, port, backends, site.frontend))
        check = subprocess.run([nginx, "-t", "-q", "-c", str(conf)], capture_output=True, text=True)
        if check.returncode:
            raise RuntimeError(f"nginx rejected {conf}: {check.stderr.strip()}")
        site.start([nginx, "-c", str(conf)], "nginx.out")
        wait_for(f"http://127.0.0.1:{port}/_stcore/health", 30)
    except BaseException:
        site.stop()
        raise
    (run / "pids").write_text("\n".join(str(p.pid) for p in site.children) + "\n")
    return site


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=max(1, os.cpu_count() or 1), help="Streamlit processes (default: one per core)")
    parser.add_argument("--address", default="127.0.0.1", help="address nginx listens on (0.0.0.0 for a public host)")
    parser.add_argument("--port", type=int, default=8080, help="port nginx listens on")
    parser.add_argument("--base-port", type=int, default=8501, help="first loopback port of the Streamlit processes")
    parser.add_argument("--run-dir", type=Path, default=None, help="where nginx.conf and the logs go (default: a new temp folder)")
    args = parser.parse_args(argv)
    run = (args.run_dir or Path(tempfile.mkdtemp(prefix="sna-serve-"))).resolve()
    run.mkdir(parents=True, exist_ok=True)
    site = launch(args.processes, args.address, args.port, args.base_port, run, settings().db_path)
    print(f"Serving http://{args.address}:{args.port} with {args.processes} Streamlit process(es); logs in {run}. Ctrl-C stops.", flush=True)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    try:
        while not stopping and all(p.poll() is None for p in site.children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        site.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
