#!/usr/bin/env python3
"""nginx keeps one copy of each HLS segment for every viewer, and still gives it only to
holders of a signed URL (issue 17).

    python3 tests/cluster/hls_cache.py BIN DATA_DIR NODE_URL

Against a running demo node (CI: the browser run's server) behind nginx started here
(ops/nginx/jineng.conf.template): plays a video lesson as the demo admin through the
API, walks its playlists, and checks that a segment is fetched from the node once
(X-Cache: MISS) and then served from nginx's cache (HIT) with the same bytes; that the
cached segment is refused without a signature, with a changed one, or with an expired
one (nginx asks the node, /hls-auth, before serving a cached copy); and that the
playlists and the key are never cached. Exit 1 on any failed check.
"""

import http.client
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nginx import Nginx  # noqa: E402

BIN, DATA_DIR, NODE = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3].rstrip("/")
node = urllib.parse.urlparse(NODE)
work = tempfile.mkdtemp(prefix="jineng-hls.")
failed = []


def check(what, ok, detail=""):
    print(f"hls-cache: {'ok  ' if ok else 'FAIL'} {what} {'' if ok else detail}", flush=True)
    if not ok:
        failed.append(what)


env = dict(os.environ, JINENG_DATA_DIR=DATA_DIR, JINENG_LOG="warn")
token = subprocess.run([BIN, "admin", "token", "--username", "admin", "--name", "hls-cache"],
                       env=env, check=True, capture_output=True, text=True).stdout.split()[-1]
db = sqlite3.connect(f"file:{DATA_DIR}/jineng.db?mode=ro", uri=True)
row = db.execute("SELECT l.id FROM course_lessons l JOIN course_media m ON m.id = l.media_id "
                 "WHERE m.status = 'ready' AND l.kind = 'video' LIMIT 1").fetchone()
if row is None:
    raise SystemExit("hls-cache: the demo has no processed video lesson")
lesson = row[0]

proxy = Nginx(work, [f"{node.hostname}:{node.port}"])
proxy.start()
tls = Nginx.tls()


def get(path, headers=None):
    c = http.client.HTTPSConnection("127.0.0.1", proxy.port, context=tls, timeout=30)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


try:
    status, _, body = get(f"/api/v1/lessons/{lesson}/play", {"Authorization": f"Bearer {token}"})
    if status != 200:
        raise SystemExit(f"hls-cache: play answered {status}: {body[:300]!r}")
    master = json.loads(body)["master_url"]
    status, h, body = get(master)
    check("the master playlist is served and not cached", status == 200 and "x-cache" not in h,
          f"{status} {h}")
    rendition = next(line for line in body.decode().splitlines() if line.startswith("/hls/"))
    status, h, body = get(rendition)
    text = body.decode()
    check("a rendition playlist is served and not cached", status == 200 and "x-cache" not in h,
          f"{status} {h}")
    segments = [line for line in text.splitlines() if line.startswith("/hls/") and ".ts?" in line]
    key = re.search(r'URI="([^"]+)"', text)
    check("the playlist names signed segments and a key", bool(segments) and key is not None, text[:300])
    seg = segments[0]
    s1, h1, b1 = get(seg)
    s2, h2, b2 = get(seg)
    check("a segment is fetched from the node once", s1 == 200 and h1.get("x-cache") == "MISS",
          f"{s1} {h1.get('x-cache')}")
    check("then served from nginx's cache, the same bytes",
          s2 == 200 and h2.get("x-cache") == "HIT" and b1 == b2 and len(b1) > 0,
          f"{s2} {h2.get('x-cache')} {len(b1)} {len(b2)}")
    # The copy is there now; nginx must still ask the node about each request's signature.
    path, _, query = seg.partition("?")
    s, _, _ = get(path)
    check("the cached segment without a signature: 404", s == 404, s)
    q = urllib.parse.parse_qs(query)
    forged = urllib.parse.urlencode({"v": q["v"][0], "e": q["e"][0], "s": q["s"][0][:-2] + "AA"})
    s, _, _ = get(f"{path}?{forged}")
    check("the cached segment with a changed signature: 404", s == 404, s)
    expired = urllib.parse.urlencode({"v": q["v"][0], "e": "1000", "s": q["s"][0]})
    s, _, _ = get(f"{path}?{expired}")
    check("the cached segment with an expired time: 404", s == 404, s)
    s, h, _ = get(key.group(1))
    check("the key is never cached", "x-cache" not in h, h)
    s, _, _ = get("/hls-auth")
    check("the node's check is not open to the public", s == 404, s)
finally:
    proxy.stop()
    shutil.rmtree(work, ignore_errors=True)

if failed:
    print("hls-cache: FAILED: " + "; ".join(failed), file=sys.stderr)
    sys.exit(1)
print("hls-cache: passed")
