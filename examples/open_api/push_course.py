#!/usr/bin/env python3
"""Reference client of Jineng's open API for course platforms (开放接口参考客户端).

Pushes a generated course end to end with signed, idempotent requests: a package, a
chapter, a text lesson, a cover and a copyright proof, five questions, optionally a video
uploaded in resumable chunks, then submits it for review and prints what it made as JSON.
Python 3.9+ standard library only, so a developer on any stack can read it as a recipe.

    python3 examples/open_api/push_course.py --base http://127.0.0.1:8080 \\
        --key-id pk_… --secret … [--name 课程名] [--video lesson.mp4]

Signing (docs/api.md, "Open API"): the string to sign is

    METHOD \\n PATH?QUERY \\n TIMESTAMP \\n NONCE \\n hex(sha256(body))

its HMAC-SHA256 under the key's secret, hex, goes in X-Signature, with X-Key-Id,
X-Timestamp (Unix seconds, within 5 minutes of the server) and X-Nonce (8–64 letters,
digits, '-' or '_', never reused). Every write carries an Idempotency-Key: a retry with
the same key (after a timeout, a 5xx, a 429) gets the first answer instead of a second
write. A retry is signed again, with a new nonce.
"""

import argparse
import hashlib
import hmac
import http.server
import json
import queue
import struct
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
import zlib

PREFIX = "/open/v1"


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


class Client:
    def __init__(self, base, key_id, secret, attempts=4):
        self.base = base.rstrip("/")
        self.key_id = key_id
        self.secret = secret.encode()
        self.attempts = attempts

    def sign(self, method, path_and_query, body):
        ts = str(int(time.time()))
        nonce = uuid.uuid4().hex
        text = "\n".join(
            [method, path_and_query, ts, nonce, hashlib.sha256(body).hexdigest()]
        )
        sig = hmac.new(self.secret, text.encode(), hashlib.sha256).hexdigest()
        return {
            "X-Key-Id": self.key_id,
            "X-Timestamp": ts,
            "X-Nonce": nonce,
            "X-Signature": sig,
        }

    def call(self, method, path, body=None, raw=None, content_type=None, idem=None):
        """One operation; writes are retried under one Idempotency-Key."""
        if body is not None:
            data, content_type = json.dumps(body, ensure_ascii=False).encode(), "application/json"
        else:
            data = raw or b""
        path_and_query = PREFIX + path
        if method != "GET" and idem is None:
            idem = uuid.uuid4().hex
        for attempt in range(self.attempts):
            headers = self.sign(method, path_and_query, data)
            if content_type:
                headers["Content-Type"] = content_type
            if idem:
                headers["Idempotency-Key"] = idem
            req = urllib.request.Request(
                self.base + path_and_query, data=data or None, method=method, headers=headers
            )
            try:
                with urllib.request.urlopen(req, timeout=60) as res:
                    text = res.read()
                    return json.loads(text) if text else None
            except urllib.error.HTTPError as e:
                text = e.read().decode("utf-8", "replace")
                retry = e.code in (429, 502, 503, 504)
                if not retry or attempt + 1 == self.attempts:
                    raise ApiError(e.code, text)
                time.sleep(int(e.headers.get("Retry-After") or 1))
            except (urllib.error.URLError, TimeoutError):
                if attempt + 1 == self.attempts:
                    raise
                time.sleep(1)
        raise RuntimeError("unreachable")


def tiny_png():
    """A 1×1 white PNG."""

    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def tiny_pdf():
    """A one-page PDF (the copyright proof)."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def questions():
    return [
        {"kind": "single", "stem": f"第{n}题：新生儿洗澡的适宜水温是？", "options": ["30至32℃", "38至40℃", "45至50℃"],
         "answer": "B", "explanation": "38至40℃为宜。", "knowledge_point": "新生儿洗澡", "difficulty": "easy"}
        if n % 2 == 0 else
        {"kind": "judge", "stem": f"第{n}题：脐带脱落前可以盆浴。", "answer": "错误",
         "explanation": "脐带脱落前宜擦浴。", "knowledge_point": "脐带护理", "difficulty": "medium"}
        for n in range(1, 6)
    ]


def upload_video(c, version_id, chapter_id, path):
    """A resumable upload: start, send the chunks the server lacks, complete."""
    with open(path, "rb") as f:
        data = f.read()
    up = c.call("POST", f"/course-versions/{version_id}/uploads",
                {"chapter_id": chapter_id, "title": "操作示范视频", "filename": path.rsplit("/", 1)[-1],
                 "size": len(data), "preview": False})
    # After an interruption, GET /uploads/{id} says which chunks arrived: send the others.
    up = c.call("GET", f"/uploads/{up['id']}")
    size = up["chunk_bytes"]
    for n in range(up["chunks"]):
        if n in up["received"]:
            continue
        c.call("PUT", f"/uploads/{up['id']}/chunks/{n}", raw=data[n * size:(n + 1) * size],
               content_type="application/octet-stream", idem=f"{up['id']}-{n}")
    up = c.call("POST", f"/uploads/{up['id']}/complete")
    # The platform transcodes it; the lesson exists once it is ready.
    for _ in range(600):
        if up["status"] in ("ready", "failed"):
            break
        time.sleep(0.5)
        up = c.call("GET", f"/uploads/{up['id']}")
    if up["status"] != "ready":
        raise ApiError(422, f"视频处理未完成：{up['status']} {up.get('reason', '')}")
    return up


def push_course(c, name, video=None, price="199.00"):
    made = c.call("POST", "/courses", {
        "name": name,
        "intro": "面向家政服务从业人员的母婴护理课程，由课程平台经开放接口推送。",
        "audience": "拟从事或正在从事家政服务的劳动者",
        "content": "新生儿护理、产妇护理、营养膳食",
        "declared_hours": 1,
        "occupation_code": "4-10-01-06",
        "skill_level": 5,
        "training_type": "vocational_skill",
        "course_type": "skill",
        "price_yuan": price,
    })
    package_id, version_id = made["package"]["id"], made["current"]["id"]
    v = c.call("POST", f"/course-versions/{version_id}/chapters", {"title": "第一章 新生儿护理"})
    chapter_id = v["chapters"][0]["id"]
    c.call("POST", f"/course-versions/{version_id}/lessons",
           {"chapter_id": chapter_id, "title": "新生儿洗澡", "body": "水温38至40摄氏度，室温26至28摄氏度。",
            "minutes": 45, "preview": True})
    c.call("PUT", f"/course-versions/{version_id}/files/cover?filename=cover.png", raw=tiny_png(),
           content_type="application/octet-stream")
    c.call("PUT", f"/course-versions/{version_id}/files/copyright?filename=copyright.pdf", raw=tiny_pdf(),
           content_type="application/octet-stream")
    for q in questions():
        c.call("POST", f"/course-versions/{version_id}/questions", q)
    media = upload_video(c, version_id, chapter_id, video) if video else None
    submitted = c.call("POST", f"/course-versions/{version_id}/submit")
    return {
        "package_id": package_id,
        "version_id": version_id,
        "status": submitted.get("status") if isinstance(submitted, dict) else None,
        "video": media and media.get("status"),
    }


def verify_webhook(secret, headers, body):
    """What a receiver checks: X-Jineng-Signature is sha256=hex(HMAC(secret, ts + "\\n" + body)),
    the timestamp recent; then it deduplicates by X-Jineng-Event-Id."""
    ts = headers.get("X-Jineng-Timestamp", "")
    want = "sha256=" + hmac.new(secret.encode(), f"{ts}\n".encode() + body, hashlib.sha256).hexdigest()
    fresh = ts.isdigit() and abs(time.time() - int(ts)) < 600
    return fresh and hmac.compare_digest(want, headers.get("X-Jineng-Signature", ""))


class Receiver:
    """A webhook receiver on 127.0.0.1: checks each event's signature, answers 204 and keeps
    each event id once (a retried or replayed event arrives again with the same id)."""

    def __init__(self, port=0):
        self.secret = ""
        self.seen = set()
        self.events = queue.Queue()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not verify_webhook(receiver.secret, self.headers, body):
                    self.send_response(401)
                    self.end_headers()
                    return
                event = json.loads(body)
                if event["id"] not in receiver.seen:
                    receiver.seen.add(event["id"])
                    receiver.events.put(event)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jineng"

    def register(self, c):
        """Point the provider's webhook here, with a new signing secret."""
        self.secret = c.call("PUT", "/provider-api/webhook", {"url": self.url, "new_secret": True})["secret"]

    def wait_for(self, kind, package_id, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                e = self.events.get(timeout=max(0.1, deadline - time.time()))
            except queue.Empty:
                break
            if e["type"] == kind and e["data"].get("package_id") == package_id:
                return e
        return None


def main():
    p = argparse.ArgumentParser(description="推送一门课程到技能平台（开放接口参考客户端）")
    p.add_argument("--base", required=True, help="平台地址，如 http://127.0.0.1:8080")
    p.add_argument("--key-id", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--name", default="开放接口示例课程：母婴护理")
    p.add_argument("--video", help="可选：分片上传的视频文件")
    p.add_argument("--listen", type=int, metavar="PORT",
                   help="可选：在本机该端口接收回调（0为任选），推送后等待审核结果")
    p.add_argument("--wait", type=int, default=600, help="等待审核结果的秒数")
    a = p.parse_args()
    c = Client(a.base, a.key_id, a.secret)
    try:
        receiver = None
        if a.listen is not None:
            receiver = Receiver(a.listen)
            receiver.register(c)
        made = push_course(c, a.name, a.video)
        print(json.dumps(made, ensure_ascii=False), flush=True)
        if receiver:
            e = receiver.wait_for("course.review", made["package_id"], a.wait)
            if e is None:
                print("在等待时间内没有收到审核结果", file=sys.stderr)
                sys.exit(1)
            print(json.dumps(e, ensure_ascii=False), flush=True)
    except ApiError as e:
        print(f"推送失败：{e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
