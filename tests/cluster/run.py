#!/usr/bin/env python3
"""The production tier on one machine, under load, with faults (issue 17).

    python3 tests/cluster/run.py target/debug/jineng [SECONDS_PER_PHASE]

Starts on loopback: a PostgreSQL cluster of its own (initdb) with a streaming replica
(pg_basebackup -R, a second cluster on another port) that lists read from, its own Redis,
an S3-compatible server (moto), three `jineng serve` nodes in production mode behind
nginx (TLS, HTTP/2, ops/nginx/jineng.conf.template). A bounded load of signed-in users
(pages, a list, one write every third round: an API token named after the round, and a
sign-out and sign-in every twentieth) and LEARNERS learners playing an hour-long lesson as
the player does (a heartbeat every 10 s through nginx, so any node takes any heartbeat;
their state is held in Redis, which runs with an fsync'd append-only file) run while:

  1. nothing is wrong (baseline),
     then the replica's replay is paused: a list misses a user just made (it reads the
     replica), the writer sees it (it reads the primary), and once the replica is
     further behind than allowed every list has it (the replica is skipped, /readyz
     says "lagging"); replay resumed, the replica is used again,
  1b. the replica is killed (lists go on from the primary, /readyz says "unreachable"),
  2. one node is killed with SIGKILL while it holds a job: a learner import of
     IMPORT_ROWS rows, sent to that node and killed once its first rows are written; the
     job's lease (5 s here) runs out, another node takes it, and it ends with every row
     imported once (the node is started again at the phase's end),
  3. Redis is killed (and started again at the phase's end),
  4. the PostgreSQL primary is killed (`pg_ctl -m immediate`), then started again,
  5. everything is back.

Reports per phase: requests, failures (5xx and broken connections), the longest run of
failures, the slowest failed request (with the database down nodes must refuse at once,
not hang), the time from the database's restart to the first success, sessions lost (a signed-in user sent to /login: must be 0), and the writes:
acknowledged but missing (lost) or present twice (duplicated), both must be 0; and each
learner's credit in the database, per lesson and per day, must equal what the server's
last reply said (no heartbeat lost or counted twice across the faults).
Exit 1 if a session or a write was lost or doubled, if the replica or job checks fail,
or if the last phase still fails.
"""

import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nginx import Nginx, free_port  # noqa: E402
import learners_xlsx  # noqa: E402

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/debug/jineng")
PHASE = float(sys.argv[2]) if len(sys.argv) > 2 else 15.0
USERS = 12
IMPORT_ROWS = 12000
JOB_LEASE_SECONDS = 5
PASSWORD = "Cluster@2026x"

work = tempfile.mkdtemp(prefix="jineng-cluster.")
procs = {}
proxy = None


def wait_for(check, seconds, what):
    end = time.time() + seconds
    while time.time() < end:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.3)
    raise SystemExit(f"cluster: {what} did not come up in {seconds} s")


def http_ok(url):
    try:
        c = http.client.HTTPConnection(*url, timeout=2)
        c.request("GET", "/readyz")
        return c.getresponse().status == 200
    except OSError:
        return False


def start(name, args, env=None, log=None):
    out = open(os.path.join(work, f"{name}.log"), "ab")
    procs[name] = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    return procs[name]


def stop_all():
    for name, p in list(procs.items()):
        if p.poll() is None:
            p.kill()
    if proxy is not None:
        proxy.stop()


# ------------------------------------------------------------------ the parts
# PostgreSQL: a cluster of its own (so that it can be killed), as the postgres user.
pg_bin = sorted((d for d in os.listdir("/usr/lib/postgresql") if d.isdigit()), key=int)[-1]
pg_bin = f"/usr/lib/postgresql/{pg_bin}/bin"
pg_dir = os.path.join(work, "pg")
os.makedirs(pg_dir)
as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
if as_pg:
    shutil.chown(pg_dir, "postgres", "postgres")
    os.chmod(work, 0o755)
subprocess.run(as_pg + [f"{pg_bin}/initdb", "-D", f"{pg_dir}/data", "--auth=trust", "-U", "postgres",
                        "-E", "UTF8", "--locale=C.UTF-8"], check=True, stdout=subprocess.DEVNULL)
pg_port = free_port()
with open(f"{pg_dir}/data/postgresql.conf", "a") as f:
    f.write(f"port = {pg_port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{pg_dir}'\n"
            "max_connections = 100\n")


def pg_ctl(*args):
    subprocess.run(as_pg + [f"{pg_bin}/pg_ctl", "-D", f"{pg_dir}/data", "-l", f"{pg_dir}/log", *args],
                   check=True, stdout=subprocess.DEVNULL)


pg_ctl("-w", "start")
db_url = f"postgres://postgres@127.0.0.1:{pg_port}/postgres"

# The replica: a base backup of the primary that streams from it (-R writes
# standby.signal and primary_conninfo), on its own port.
replica_dir = f"{pg_dir}/replica"
subprocess.run(as_pg + [f"{pg_bin}/pg_basebackup", "-h", "127.0.0.1", "-p", str(pg_port), "-U", "postgres",
                        "-D", replica_dir, "-R", "-X", "stream", "-c", "fast"],
               check=True, stdout=subprocess.DEVNULL)
replica_port = free_port()
with open(f"{replica_dir}/postgresql.conf", "a") as f:
    f.write(f"port = {replica_port}\nhot_standby = on\n")


def replica_ctl(*args):
    subprocess.run(as_pg + [f"{pg_bin}/pg_ctl", "-D", replica_dir, "-l", f"{pg_dir}/replica.log", *args],
                   check=True, stdout=subprocess.DEVNULL)


replica_ctl("-w", "start")
replica_url = f"postgres://postgres@127.0.0.1:{replica_port}/postgres"
REPLICA_MAX_LAG_MS = 4000

redis_port = free_port()
# Redis keeps the heartbeats it holds on disk before it answers (append-only file,
# fsync on every write), as docs/operations.md says to run it: killed and started again
# from the same directory, it has every heartbeat it acknowledged.
redis_args = ["redis-server", "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "",
              "--appendonly", "yes", "--appendfsync", "always", "--dir", work]
start("redis", redis_args)
wait_for(lambda: subprocess.run(["redis-cli", "-p", str(redis_port), "ping"],
                                capture_output=True).stdout.strip() == b"PONG", 10, "Redis")

s3_port = free_port()
start("moto", ["moto_server", "-H", "127.0.0.1", "-p", str(s3_port)])
wait_for(lambda: http.client.HTTPConnection("127.0.0.1", s3_port, timeout=1).request("GET", "/") is None,
         60, "the S3 server")
c = http.client.HTTPConnection("127.0.0.1", s3_port)
c.request("PUT", "/jineng-cluster")
c.getresponse().read()

keys = subprocess.run([BIN, "keys", "generate"], capture_output=True, text=True, check=True).stdout
ledger = subprocess.run([BIN, "ledger", "keygen"], capture_output=True, text=True, check=True).stdout
env = dict(os.environ)
for line in (keys + ledger).splitlines():
    if line.startswith("JINENG_") and "=" in line:
        k, v = line.split("=", 1)
        env[k] = v
env.update({
    "JINENG_MODE": "production",
    "JINENG_DATABASE_URL": db_url,
    "JINENG_DATABASE_REPLICA_URL": replica_url,
    "JINENG_REPLICA_MAX_LAG_MS": str(REPLICA_MAX_LAG_MS),
    "JINENG_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
    "JINENG_FILES_BACKEND": "s3",
    "JINENG_S3_ENDPOINT": f"http://127.0.0.1:{s3_port}",
    "JINENG_S3_BUCKET": "jineng-cluster",
    "JINENG_S3_REGION": "us-east-1",
    "JINENG_S3_ACCESS_KEY": "test",
    "JINENG_S3_SECRET_KEY": "test",
    "JINENG_SECURE_COOKIES": "true",
    "JINENG_TRUSTED_PROXIES": "127.0.0.1",
    "JINENG_DATA_DIR": os.path.join(work, "node-data"),
    "JINENG_MAX_CONNECTIONS": "8",
    "JINENG_JOB_LEASE_SECONDS": str(JOB_LEASE_SECONDS),
    "JINENG_LOG": "warn",
})
subprocess.run([BIN, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
# The demo's people and organisations (not its training data): an approved institution
# that imports learners, and a system admin who sees the jobs.
subprocess.run([BIN, "seed", "--demo", "--accounts-only"], env=env, check=True,
               stdout=subprocess.DEVNULL)
for i in range(USERS):
    subprocess.run([BIN, "admin", "create-user", "--username", f"load{i}", "--name", f"压测{i}",
                    "--role", "operator", "--password", PASSWORD],
                   env=env, check=True, stdout=subprocess.DEVNULL)



def cli_token(username, name):
    return subprocess.run([BIN, "admin", "token", "--username", username, "--scope", "full",
                           "--name", name],
                          env=env, check=True, capture_output=True, text=True).stdout.split()[-1]


api_token = cli_token("load0", "replica-check")

# ------------------------------------------------------------------ study
# A listed, free public-welfare course with one hour-long lesson, written into the
# database as a reviewed one would be (no video to transcode), and LEARNERS learners who
# study it on their own while the faults come and go.
LEARNERS = 12
STUDY_INTERVAL = 10


def psql(sql):
    return subprocess.run(["psql", db_url, "-v", "ON_ERROR_STOP=1", "-tAc", sql],
                          capture_output=True, text=True, check=True).stdout.strip()


org_id, org_region = psql("SELECT id, region_code FROM organizations ORDER BY id LIMIT 1").split("|")
package_id, version_id, chapter_id, lesson_id = (f"cluster-{k}" for k in ("package", "version", "chapter", "lesson"))
psql(f"""
INSERT INTO course_packages (id, org_id, region_code, source, name, listing, listed_version_id,
  listing_reason, latest_version, created_at, updated_at)
VALUES ('{package_id}', '{org_id}', '{org_region}', 'provider', '集群学习课', 'listed', '{version_id}',
  '', 1, now(), now());
INSERT INTO course_package_versions (id, package_id, org_id, region_code, number, status, name,
  cover_key, intro, audience, content, declared_hours, occupation_code, work_type_id, skill_level,
  training_type, course_type, price_fen, free_seek, copyright_key, copyright_filename,
  review_level, review_levels, review_round, review_steps, warnings, submitted_at, decided_at,
  created_by, created_at, updated_at)
VALUES ('{version_id}', '{package_id}', '{org_id}', '{org_region}', 1, 'approved', '集群学习课',
  '', '', '', '', 1, '4-10-01-06', '', 5, 'public_welfare', 'general', 0, false, '', '',
  0, 1, 1, '[]', '', now(), now(), 'system', now(), now());
INSERT INTO course_chapters (id, version_id, position, title)
VALUES ('{chapter_id}', '{version_id}', 1, '第一章');
INSERT INTO course_lessons (id, version_id, chapter_id, position, title, kind, body, media_id,
  seconds, preview, created_at)
VALUES ('{lesson_id}', '{version_id}', '{chapter_id}', 1, '一小时的课', 'video', '', '', 3600, false, now());
""")
for i in range(LEARNERS):
    subprocess.run([BIN, "admin", "create-user", "--username", f"stu{i}", "--name", f"学员{i}",
                    "--role", "learner", "--password", PASSWORD],
                   env=env, check=True, stdout=subprocess.DEVNULL)
learner_tokens = [cli_token(f"stu{i}", f"cluster-study-{i}") for i in range(LEARNERS)]
institution_token = cli_token("institution", "cluster-import")
admin_token = cli_token("admin", "cluster-jobs")

node_ports = [free_port() for _ in range(3)]


def start_node(i):
    e = dict(env)
    e["JINENG_BIND"] = f"127.0.0.1:{node_ports[i]}"
    start(f"node{i}", [BIN, "serve"], env=e)


for i in range(3):
    start_node(i)
for i in range(3):
    wait_for(lambda i=i: http_ok(("127.0.0.1", node_ports[i])), 120, f"node {i}")

proxy = Nginx(work, [f"127.0.0.1:{p}" for p in node_ports])
proxy.start()
nginx_port = proxy.port
tls = Nginx.tls()

# ------------------------------------------------------------------ the load
lock = threading.Lock()
phase = {"name": "baseline"}
stats = {}
acked = []          # token names the server answered 200 for
sign_ins = [0]      # sign-ins during the run (after the first)
refusals = {}       # why sign-ins were refused: "status message" → count
stop_load = threading.Event()


recovered = {}     # fault → seconds from the part's restart to the first success after it
ended = {}         # phase → when it ended


def next_phase(name, **extra):
    with lock:
        ended[phase["name"]] = time.time()
        phase["name"] = name
        phase.update(extra)


def note(kind, took=0.0):
    with lock:
        s = stats.setdefault(phase["name"], {"requests": 0, "failed": 0, "sessions_lost": 0,
                                             "streak": 0, "longest_streak_s": 0.0,
                                             "slowest_failure_s": 0.0, "streak_from": None})
        s["requests"] += 1
        if kind == "ok" and "since" in phase and phase["since"] is not None:
            recovered[phase["fault"]] = round(time.time() - phase["since"], 2)
            phase["since"] = None
        if kind == "failed":
            s["slowest_failure_s"] = max(s["slowest_failure_s"], took)
        if kind == "ok":
            if s["streak_from"] is not None:
                s["longest_streak_s"] = max(s["longest_streak_s"], time.time() - s["streak_from"])
            s["streak_from"] = None
        elif kind == "failed":
            s["failed"] += 1
            if s["streak_from"] is None:
                s["streak_from"] = time.time()
        elif kind == "session_lost":
            s["sessions_lost"] += 1


class Client:
    """A browser's cookie jar, as far as this test needs: Max-Age is kept (the
    read-your-writes cookie lives a few seconds)."""

    def __init__(self, address=None):
        self.cookies = {}
        # Each simulated user is a client of its own address (nginx appends its peer,
        # 127.0.0.1, a trusted proxy here, so the node takes this one).
        self.address = address
        self.retry_after = 0.0

    def req(self, method, path, form=None):
        body = urllib.parse.urlencode(form).encode() if form is not None else None
        now = time.time()
        self.cookies = {k: v for k, v in self.cookies.items() if v[1] is None or v[1] > now}
        headers = {"Cookie": "; ".join(f"{k}={v[0]}" for k, v in self.cookies.items())}
        if self.address:
            headers["X-Forwarded-For"] = self.address
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        c = http.client.HTTPSConnection("127.0.0.1", nginx_port, context=tls, timeout=15)
        try:
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            text = r.read().decode("utf-8", "replace")
            self.retry_after = float(r.getheader("Retry-After") or 0)
            for h, v in r.getheaders():
                if h.lower() == "set-cookie":
                    name, _, rest = v.partition("=")
                    m = re.search(r"Max-Age=(-?\d+)", rest, re.I)
                    self.cookies[name] = (rest.split(";", 1)[0],
                                          time.time() + int(m.group(1)) if m else None)
            return r.status, r.getheader("Location") or "", text
        finally:
            c.close()


def csrf_of(page):
    m = re.search(r'name="_csrf" value="([^"]+)"', page)
    return m.group(1) if m else ""


def sign_in(c, i):
    """Sign in as load{i}: True when signed in."""
    status, loc, page = c.req("GET", "/login")
    if status in (302, 303) and not loc.startswith("/login"):
        return True  # still signed in (a sign-out that did not go through)
    status, loc, text = c.req("POST", "/login", {"_csrf": csrf_of(page), "login": f"load{i}",
                                                 "password": PASSWORD, "next": "/"})
    ok = status == 303 and not loc.startswith("/login")
    if not ok:
        m = re.search(r'class="[^"]*(?:error|alert)[^"]*"[^>]*>([^<]{1,80})', text)
        with lock:
            why = f"{status} {m.group(1).strip() if m else loc}"
            refusals[why] = refusals.get(why, 0) + 1
    return ok


def user_loop(i):
    c = Client(f"10.0.{i}.1")
    if not sign_in(c, i):
        raise SystemExit(f"cluster: load{i} could not sign in")
    n = 0
    signed_in = True
    page = ""
    while not stop_load.is_set():
        n += 1
        # Every 20th round the user signs out and in again (sign-ins under the faults too);
        # a sign-in that fails is a failed request, tried again next round.
        if not signed_in or n % 20 == 0:
            t0 = time.time()
            try:
                if signed_in:
                    status, _, _ = c.req("POST", "/logout", {"_csrf": csrf_of(page)})
                    if status >= 500:
                        # Refused (the database away): still signed in, as before.
                        note("failed", time.time() - t0)
                        time.sleep(max(c.retry_after, 1.0))
                        continue
                    signed_in = False
                signed_in = sign_in(c, i)
                note("ok" if signed_in else "failed", time.time() - t0)
            except OSError:
                note("failed", time.time() - t0)
            if not signed_in:
                # As a browser's person would: wait as told (503 and 429 say how long),
                # at least a second, before trying again.
                time.sleep(max(c.retry_after, 1.0))
                continue
            with lock:
                sign_ins[0] += 1
        for path in ("/", "/admin/users", "/account"):
            t0 = time.time()
            try:
                status, loc, page = c.req("GET", path)
            except OSError:
                note("failed", time.time() - t0)
                continue
            if status in (302, 303) and loc.startswith("/login"):
                note("session_lost")
            elif status >= 500:
                note("failed", time.time() - t0)
            else:
                note("ok")
        if n % 3 == 0 and path == "/account":
            name = f"c{i}-{n}"
            try:
                status, loc, _ = c.req("POST", "/account/tokens",
                                       {"_csrf": csrf_of(page), "name": name, "days": "1"})
            except OSError:
                note("failed")
                continue
            if status == 200:
                note("ok")
                with lock:
                    acked.append(name)
            elif status in (302, 303) and loc.startswith("/login"):
                note("session_lost")
            elif status >= 500:
                note("failed")
            else:
                note("ok")
        time.sleep(random.uniform(0.05, 0.2))


def node_api(method, path, port, body=None, cookie=None, token=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    h = {"Authorization": f"Bearer {token or api_token}"}
    if cookie:
        h["Cookie"] = cookie
    if body is not None:
        h["Content-Type"] = "application/json"
    c.request(method, f"/api/v1{path}", body=json.dumps(body) if body is not None else None, headers=h)
    r = c.getresponse()
    return r.status, json.loads(r.read() or b"null")


def usernames(q, port, cookie=None):
    status, body = node_api("GET", f"/users?q={q}&per_page=100", port, cookie=cookie)
    if status != 200:
        raise RuntimeError(f"list answered {status}: {body}")
    return [u["username"] for u in body["items"]]


def readyz(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", "/readyz")
    return json.loads(c.getresponse().read())


def replica_sql(sql):
    subprocess.run(["psql", replica_url, "-tAc", sql], check=True, capture_output=True)


study = {"ok": 0, "refused": 0, "uncertain": 0, "acked_ms": 0, "irregular": {},
         "irregular_after_outage": {}, "uncertain_statuses": {}, "refused_judged": {}, "final": {}}


def study_api(method, path, tok, body, address):
    """The study API through nginx, from the learner's own address: (status, reply)."""
    c = http.client.HTTPSConnection("127.0.0.1", nginx_port, context=tls, timeout=15)
    try:
        c.request(method, f"/api/v1{path}", body=json.dumps(body),
                  headers={"Authorization": f"Bearer {tok}", "Content-Type": "application/json",
                           "X-Forwarded-For": address})
        r = c.getresponse()
        text = r.read()
        try:
            return r.status, json.loads(text or b"null")
        except ValueError:
            return r.status, None
    finally:
        c.close()


def study_loop(i):
    """A learner plays the lesson as player.js does: a heartbeat every STUDY_INTERVAL s
    (± 1.5 s, as a browser's timer gives) with the video's position, which moves on in
    real time; a heartbeat answered 5xx or not at all is sent again unchanged at the next
    tick."""
    tok, address = learner_tokens[i], f"10.1.{i}.1"
    opened = None
    while opened is None and not stop_load.is_set():
        try:
            status, body = study_api("POST", f"/lessons/{lesson_id}/study", tok, {}, address)
            if status == 201:
                opened = body
                break
        except OSError:
            pass
        time.sleep(1)
    if opened is None:
        return
    sess = {"id": opened["session_id"], "token": opened["token"], "seq": 0,
            "start": opened["position_ms"], "opened": time.time(), "address": address, "tok": tok,
            "pending": None, "since_failure": 99}
    study["final"][i] = {"session": sess, "lesson_credited_ms": 0}
    while not stop_load.is_set():
        time.sleep(STUDY_INTERVAL + random.uniform(-1.5, 1.5))
        beat(i, sess)


def beat(i, sess):
    """One heartbeat (the unanswered one again, if any); its reply's lesson total is kept.
    True when answered 200."""
    body = sess["pending"]
    if body is None:
        sess["seq"] += 1
        body = {"token": sess["token"], "seq": sess["seq"],
                "position_ms": sess["start"] + int((time.time() - sess["opened"]) * 1000),
                "rate_pct": 100, "visible": True}
    try:
        status, r = study_api("POST", f"/study-sessions/{sess['id']}/beats", sess["tok"], body,
                              sess["address"])
    except OSError:
        status, r = 0, None
    sess["pending"] = body if status == 0 or status >= 500 else None
    with lock:
        if status == 200:
            study["ok"] += 1
            study["acked_ms"] += r["credited_ms"]
            study["final"][i]["lesson_credited_ms"] = r["lesson_credited_ms"]
            if r.get("irregularity"):
                # Right after an outage the video has played on past what the server saw:
                # that time is not credited ("jumped", or "idle" after a long one).
                kind = "irregular" if sess["since_failure"] >= 2 else "irregular_after_outage"
                study[kind][r["irregularity"]] = study[kind].get(r["irregularity"], 0) + 1
            sess["since_failure"] += 1
        else:
            sess["since_failure"] = 0
            if status == 503:
                study["refused"] += 1   # refused before anything was kept (Retry-After)
            elif 400 <= status < 500:
                # Judged and refused, nothing credited (409: the final heartbeat sent too
                # soon after the last one, which is then sent again).
                why = f"{status} {(r or {}).get('irregularity') or ''}".strip()
                study["refused_judged"][why] = study["refused_judged"].get(why, 0) + 1
            else:
                # A broken connection (0) or a gateway's answer: may have been kept.
                study["uncertain"] += 1
                study["uncertain_statuses"][status] = study["uncertain_statuses"].get(status, 0) + 1
    return status == 200


def study_checks():
    """After the load: each learner's last heartbeat is answered (sent until it is), then
    the database must hold exactly what the replies said, per learner and per day."""
    for i, f in sorted(study["final"].items()):
        for _ in range(20):
            if beat(i, f["session"]):
                break
            time.sleep(1)
    want = {f"stu{i}": f["lesson_credited_ms"] for i, f in study["final"].items()}

    def held():
        rows = psql("""SELECT u.username, coalesce(sum(p.credited_ms), 0),
                          (SELECT coalesce(sum(d.credited_ms), 0) FROM study_days d WHERE d.user_id = u.id)
                       FROM users u LEFT JOIN study_progress p ON p.user_id = u.id
                       WHERE u.username LIKE 'stu%' GROUP BY u.id, u.username""")
        out = {}
        for line in rows.splitlines():
            name, lessons, days = line.split("|")
            out[name] = (int(lessons), int(days))
        return out

    # The flushers write every two seconds; a batch a killed node took is written after
    # the lease (5 s here).
    deadline = time.time() + JOB_LEASE_SECONDS + 15
    got = held()
    while time.time() < deadline and any(got.get(n) != (ms, ms) for n, ms in want.items()):
        time.sleep(0.5)
        got = held()
    wrong = {n: (ms, got.get(n)) for n, ms in want.items() if got.get(n) != (ms, ms)}
    check("every learner's credit in the database is what the last reply said, per lesson and per day "
          "(no heartbeat lost or counted twice across the faults)",
          len(want) == LEARNERS and not wrong and sum(want.values()) > 0,
          f"learners {len(want)}, (replied, (lesson, days)): {wrong}")
    check("no heartbeat of the honest players was judged irregular, except right after an outage",
          not study["irregular"], study["irregular"])
    return {"learners": len(want), "heartbeats_answered": study["ok"],
            "refused_with_retry": study["refused"], "uncertain": study["uncertain"],
            "uncertain_statuses": study["uncertain_statuses"], "refused_judged": study["refused_judged"],
            "irregular_after_outage": study["irregular_after_outage"],
            "credited_s": round(sum(want.values()) / 1000, 1),
            "acknowledged_increments_s": round(study["acked_ms"] / 1000, 1)}


checks = {}


def check(what, ok, detail=""):
    checks[what] = bool(ok)
    print(f"cluster: {'ok  ' if ok else 'FAIL'} {what} {detail if not ok else ''}", flush=True)


def replica_phase():
    """Replay paused on the replica: a node's lists show what the replica has, a writer's
    show the primary; past the allowed lag the replica is skipped; resumed, it is used."""
    p = node_ports[1]
    wait_for(lambda: readyz(p)["replica"] == "ok", 30, "the replica in use")
    replica_sql("SELECT pg_wal_replay_pause()")
    status, made = node_api("POST", "/users", p, {"username": "replica-probe", "display_name": "副本探针",
                                                  "password": PASSWORD, "roles": [{"role": "learner"}]})
    check("a user is made while the replica is paused", status == 201, f"{status} {made}")
    check("a list misses what the paused replica has not replayed (it reads the replica)",
          "replica-probe" not in usernames("replica-probe", p))
    check("a client that has just written reads the primary",
          "replica-probe" in usernames("replica-probe", p, cookie="__Host-jn_wrote=1"))
    try:
        wait_for(lambda: readyz(p)["replica"] == "lagging", REPLICA_MAX_LAG_MS / 1000 + 10, "lagging")
        lagging = readyz(p)
    except SystemExit:
        lagging = readyz(p)
    check("/readyz says the replica lags, the node degraded",
          lagging.get("replica") == "lagging" and lagging.get("status") == "degraded", lagging)
    check("a lagging replica is skipped: the list has the user",
          "replica-probe" in usernames("replica-probe", p))
    replica_sql("SELECT pg_wal_replay_resume()")
    try:
        wait_for(lambda: readyz(p)["replica"] == "ok", 15, "the replica in use again")
    except SystemExit:
        pass
    check("replay resumed, the replica is used again and has the user",
          readyz(p)["replica"] == "ok" and "replica-probe" in usernames("replica-probe", p))


def start_import(port):
    """A learner import of IMPORT_ROWS rows (good rows only: written in batches, each
    committed) by the demo institution, sent to the node on `port`: its id."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("POST", "/api/v1/learners/imports?mode=good_only",
              body=learners_xlsx.workbook(IMPORT_ROWS),
              headers={"Authorization": f"Bearer {institution_token}",
                       "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    r = c.getresponse()
    body = json.loads(r.read() or b"null")
    if r.status != 202:
        raise SystemExit(f"cluster: the import was refused: {r.status} {body}")
    return body["id"]


def import_job(port):
    """The learner-import job as the system admin's jobs list shows it."""
    status, body = node_api("GET", "/jobs?per_page=100", port, token=admin_token)
    if status != 200:
        raise RuntimeError(f"jobs answered {status}: {body}")
    jobs = [j for j in body["items"] if j["kind"] == "learner_import"]
    return jobs[0] if jobs else None


def holder(job):
    """The index of the node whose worker holds `job` (worker names are host:pid:…)."""
    if not job or job["state"] != "running" or not job.get("locked_by"):
        return None
    pid = job["locked_by"].split(":")[1] if job["locked_by"].count(":") >= 2 else ""
    for i in range(3):
        if str(procs[f"node{i}"].pid) == pid:
            return i
    return None


def imported_counts():
    """The institution's imported learners in the database: profiles, distinct people, and
    links to the institution."""
    rows = subprocess.run(["psql", db_url, "-tAc", """
        SELECT count(*), count(DISTINCT p.user_id), count(l.user_id)
          FROM learner_profiles p
          LEFT JOIN org_learners l ON l.user_id = p.user_id AND l.org_id = p.imported_by_org
         WHERE p.imported_by_org = (SELECT id FROM organizations WHERE name = '南明职业技能培训学校')
    """], capture_output=True, text=True, check=True).stdout.strip()
    return tuple(int(x) for x in rows.split("|"))


counts_before_import = (0, 0, 0)


def kill_the_node_holding_the_import():
    """Start the import on node 0 and SIGKILL whichever node holds its job once rows are
    written (or, failing that, while it runs): the index of the node killed."""
    global counts_before_import
    counts_before_import = imported_counts()
    imp = start_import(node_ports[0])
    watch = node_ports[1]
    deadline = time.time() + 120
    while time.time() < deadline:
        job = import_job(watch)
        i = holder(job)
        status, st = node_api("GET", f"/learners/imports/{imp}", watch, token=institution_token)
        if i is not None and st["status"] == "importing" and 0 < st["imported_rows"] < IMPORT_ROWS:
            procs[f"node{i}"].send_signal(signal.SIGKILL)
            procs[f"node{i}"].wait()
            check("a node was killed while it held the import job, rows written and rows to go",
                  True)
            return i, imp, st["imported_rows"]
        if st["status"] not in ("checking", "importing"):
            break
        time.sleep(0.05)
    check("a node was killed while it held the import job, rows written and rows to go", False,
          f"the job was not caught mid-write: {st}")
    # Go on with the phase anyway: kill node 0.
    procs["node0"].send_signal(signal.SIGKILL)
    return 0, imp, None


def watch_the_import(imp, killed_node, killed_at, seen):
    """From the kill on (a thread): which nodes hold the job, when another first does, and
    the import as it ends."""
    watch = node_ports[(killed_node + 1) % 3]
    seen.update(taken_by=set(), taken_after=None, import_={})
    deadline = time.time() + 150
    while time.time() < deadline:
        try:
            i = holder(import_job(watch))
            _, st = node_api("GET", f"/learners/imports/{imp}", watch, token=institution_token)
        except (OSError, RuntimeError, ValueError):
            time.sleep(0.2)
            continue
        if i is not None:
            seen["taken_by"].add(i)
            if i != killed_node and seen["taken_after"] is None:
                seen["taken_after"] = round(time.time() - killed_at, 1)
        seen["import_"] = st
        if st["status"] not in ("checking", "importing"):
            break
        time.sleep(0.2)


def import_checks(watcher, seen, killed_node, written_before):
    """After the kill: another node took the job once its lease ran out, and it ended with
    every row imported once."""
    watcher.join()
    taken_by, taken_after, st = seen["taken_by"], seen["taken_after"], seen["import_"]
    job = import_job(node_ports[(killed_node + 1) % 3])
    # Taken once the lease has run out and an idle worker looks again (every 2 s).
    check("the killed node's job was taken by another node after its lease",
          taken_by - {killed_node} and job and job["attempts"] >= 2
          and taken_after is not None and taken_after < JOB_LEASE_SECONDS + 10,
          f"holders {taken_by}, after {taken_after} s, job {job}")
    check("the import ended done with every row imported",
          st.get("status") == "done" and st.get("imported_rows") == IMPORT_ROWS
          and st.get("bad_rows") == 0, {k: v for k, v in st.items() if k != "bad"})
    now = imported_counts()
    profiles, distinct, linked = (a - b for a, b in zip(now, counts_before_import))
    check("every imported learner exists once and is linked once (no row lost or doubled by the rerun)",
          profiles == distinct == linked == IMPORT_ROWS,
          f"new profiles {profiles}, distinct {distinct}, linked {linked}, expected {IMPORT_ROWS}")
    return {"rows": IMPORT_ROWS, "written_before_the_kill": written_before,
            "holders_after_the_kill": sorted(taken_by), "taken_over_after_s": taken_after,
            "lease_s": JOB_LEASE_SECONDS, "attempts": job and job["attempts"],
            "status": st.get("status"), "imported_rows": st.get("imported_rows")}


threads = [threading.Thread(target=user_loop, args=(i,), daemon=True) for i in range(USERS)]
threads += [threading.Thread(target=study_loop, args=(i,), daemon=True) for i in range(LEARNERS)]
try:
    # The study rules of this run: a heartbeat every STUDY_INTERVAL s, no watch checks.
    status, rules = node_api("GET", "/study-settings", node_ports[0])
    rules.update({"interval_secs": STUDY_INTERVAL, "check_every_min_secs": 0, "check_every_max_secs": 0})
    status, _ = node_api("PUT", "/study-settings", node_ports[0], rules)
    if status != 200:
        raise SystemExit(f"cluster: the study rules were refused: {status}")
    for t in threads:
        t.start()
    time.sleep(PHASE)
    replica_phase()

    next_phase("replica killed")
    replica_ctl("-m", "immediate", "stop")
    time.sleep(PHASE)
    r = readyz(node_ports[2])
    check("with the replica killed /readyz says unreachable, the node still ready",
          r.get("replica") == "unreachable" and r.get("status") == "degraded", r)
    check("with the replica killed lists read the primary",
          "replica-probe" in usernames("replica-probe", node_ports[2]))
    replica_ctl("-w", "start")
    next_phase("replica back", fault="replica", since=time.time())
    try:
        wait_for(lambda: all(readyz(p)["replica"] == "ok" for p in node_ports), 30, "the replica back")
    except SystemExit:
        pass
    check("the replica back, every node reads from it again",
          all(readyz(p)["replica"] == "ok" for p in node_ports), [readyz(p) for p in node_ports])

    next_phase("node killed")
    killed, imp, written_before = kill_the_node_holding_the_import()
    killed_at = time.time()
    seen = {}
    watcher = threading.Thread(target=watch_the_import, args=(imp, killed, killed_at, seen), daemon=True)
    watcher.start()
    time.sleep(PHASE)
    start_node(killed)
    wait_for(lambda: http_ok(("127.0.0.1", node_ports[killed])), 120, f"node {killed} again")
    node_back = time.time() - killed_at
    job_report = import_checks(watcher, seen, killed, written_before)

    next_phase("redis killed")
    procs["redis"].send_signal(signal.SIGKILL)
    time.sleep(PHASE)
    start("redis", redis_args)
    wait_for(lambda: subprocess.run(["redis-cli", "-p", str(redis_port), "ping"],
                                    capture_output=True).stdout.strip() == b"PONG", 10, "Redis again")

    next_phase("database killed")
    pg_ctl("-m", "immediate", "stop")
    time.sleep(PHASE)
    pg_ctl("-w", "start")
    next_phase("database back", fault="database", since=time.time())
    time.sleep(PHASE)

    next_phase("all back")
    time.sleep(PHASE)
    stop_load.set()
    for t in threads:
        t.join(timeout=30)
    ended[phase["name"]] = time.time()
    study_report = study_checks()

    # The writes: every acknowledged token is there once; none twice.
    rows = subprocess.run(["psql", db_url, "-tAc",
                           "SELECT name, count(*) FROM api_tokens GROUP BY name"],
                          capture_output=True, text=True, check=True).stdout
    counts = {}
    for line in rows.splitlines():
        if "|" in line:
            name, n = line.rsplit("|", 1)
            counts[name] = int(n)
    lost = [n for n in acked if n not in counts]
    doubled = [n for n, k in counts.items() if k > 1]

    report = {"phase_seconds": PHASE, "nodes": 3, "users": USERS, "phases": {}}
    for name, s in stats.items():
        if s["streak_from"] is not None:
            until = ended.get(name, time.time())
            s["longest_streak_s"] = max(s["longest_streak_s"], until - s["streak_from"])
        report["phases"][name] = {k: (round(v, 2) if isinstance(v, float) else v)
                                  for k, v in s.items() if k not in ("streak", "streak_from")}
    report["node_restarted_and_ready_after_s"] = round(node_back, 1)
    report["first_success_after_database_restart_s"] = recovered.get("database")
    report["writes"] = {"acknowledged": len(acked), "rows": sum(counts.values()),
                        "lost": len(lost), "doubled": len(doubled)}
    report["checks"] = checks
    report["job_across_nodes"] = job_report
    report["study"] = study_report
    report["sign_ins_during_the_run"] = sign_ins[0]
    report["sign_ins_refused"] = refusals
    print(json.dumps(report, ensure_ascii=False, indent=2))
    bad = []
    if any(s["sessions_lost"] for s in report["phases"].values()):
        bad.append("sessions were lost")
    if lost or doubled:
        bad.append(f"writes lost {lost[:5]} or doubled {doubled[:5]}")
    if report["phases"].get("all back", {}).get("failed", 1) > 0:
        bad.append("requests still failed after every part was back")
    slow = report["phases"].get("database killed", {}).get("slowest_failure_s", 0)
    if slow > 8:
        bad.append(f"with the database down a request hung {slow} s before failing")
    if not checks or not all(checks.values()):
        bad.append("checks failed: " + ", ".join(k for k, v in checks.items() if not v))
    if recovered.get("database") is None:
        bad.append("nothing succeeded after the database came back")
    if bad:
        print("cluster: FAILED: " + "; ".join(bad), file=sys.stderr)
        sys.exit(1)
    print("cluster: passed")
finally:
    stop_load.set()
    stop_all()
    for ctl in (replica_ctl, pg_ctl):
        try:
            ctl("-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
    if os.environ.get("KEEP_CLUSTER"):
        print(f"cluster: logs in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
