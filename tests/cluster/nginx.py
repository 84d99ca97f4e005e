"""nginx in front of jineng nodes, for the tests: ops/nginx/jineng.conf.template rendered
by ops/nginx/render.sh with a throwaway certificate, run from a folder of the test's own.

    from nginx import Nginx
    n = Nginx(work_dir, ["127.0.0.1:8081", …]); n.start(); …; n.stop()
"""

import os
import socket
import ssl
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Nginx:
    def __init__(self, work, upstreams):
        self.work = work
        self.upstreams = upstreams
        self.port = free_port()
        self.conf = os.path.join(work, "nginx.conf")

    def start(self):
        w = self.work
        cert, key = os.path.join(w, "tls.crt"), os.path.join(w, "tls.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        site = subprocess.run([os.path.join(REPO, "ops/nginx/render.sh"), str(self.port), cert, key,
                               os.path.join(w, "nginx-cache")] + list(self.upstreams),
                              check=True, capture_output=True, text=True).stdout
        with open(os.path.join(w, "site.conf"), "w") as f:
            f.write(site)
        os.makedirs(os.path.join(w, "logs"), exist_ok=True)
        os.makedirs(os.path.join(w, "nginx-cache"), exist_ok=True)
        with open(self.conf, "w") as f:
            f.write(f"""user root;
worker_processes 1;
pid {w}/nginx.pid;
error_log {w}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {w}/tmp-body;
    proxy_temp_path {w}/tmp-proxy;
    fastcgi_temp_path {w}/tmp-fcgi;
    uwsgi_temp_path {w}/tmp-uwsgi;
    scgi_temp_path {w}/tmp-scgi;
    include {w}/site.conf;
}}
""")
        subprocess.run(["nginx", "-t", "-q", "-p", w, "-c", self.conf], check=True)
        subprocess.run(["nginx", "-p", w, "-c", self.conf], check=True)

    def stop(self):
        subprocess.run(["nginx", "-p", self.work, "-c", self.conf, "-s", "stop"],
                       stderr=subprocess.DEVNULL)

    @staticmethod
    def tls():
        """A client context for the throwaway certificate."""
        t = ssl.create_default_context()
        t.check_hostname = False
        t.verify_mode = ssl.CERT_NONE
        return t
