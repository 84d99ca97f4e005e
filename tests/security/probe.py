#!/usr/bin/env python3
"""An attacker's probe of a running demo server with the shipped limits (Hardening I).

Usage: tests/security/probe.py BASE_URL
Run it against a fresh `jineng serve --demo` that nothing else is using: it signs in
wrongly on purpose, floods the sign-in and SMS routes, and so leaves the address
rate-limited for a while. Standard library only. Exits non-zero on the first finding,
printing what an attacker would have learned.

What it checks, from outside, the way the review's probe worked:
  1. A known and an unknown username get byte-identical answers, attempt after attempt,
     up to and past the lock (no enumeration, no lockout oracle).
  2. A flood of sign-ins from one address is answered 429 with Retry-After.
  3. A flood of SMS codes to many phones is answered 429 with Retry-After.
  4. Registration with someone's ID number and a wrong code says nothing about them.
  5. The data exchange answers an unknown client and a bad signature the same.
  6. Private answers are not cacheable; the security headers are there.
"""
import hashlib
import hmac
import http.cookiejar
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BASE = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8080"


def fail(msg):
    print(f"FINDING: {msg}")
    sys.exit(1)


class Client:
    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def req(self, method, path, data=None, headers=None, json_body=None):
        body = None
        h = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            h["Content-Type"] = "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        r = urllib.request.Request(BASE + path, data=body, method=method, headers=h)
        try:
            with self.opener.open(r, timeout=30) as resp:
                return resp.status, resp.headers, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode("utf-8", "replace")

    def csrf(self, path="/login"):
        _, _, page = self.req("GET", path)
        m = re.search(r'name="_csrf" value="([^"]+)"', page)
        if not m:
            fail(f"no CSRF field on {path}")
        return m.group(1)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def login_answer(c, name, password):
    token = c.csrf()
    status, headers, page = c.req("POST", "/login", {"_csrf": token, "login": name, "password": password, "next": "/"})
    m = re.search(r'id="login-error">([^<]*)<', page)
    return status, (m.group(1) if m else ""), headers


def check_no_enumeration():
    # Fresh clients each, one after the other, so both walk the same path.
    seen = {}
    for name in ("admin", "nobody_at_all_9"):
        c = Client()
        seen[name] = [login_answer(c, name, "Wrong@2026")[:2] for _ in range(12)]
    if seen["admin"] != seen["nobody_at_all_9"]:
        fail(f"known and unknown names answer differently: {seen}")
    print(f"ok  known/unknown names: identical answers over 12 tries ({seen['admin'][-1]})")


def check_sign_in_flood():
    c = Client()
    for i in range(200):
        status, _, headers = login_answer(c, f"flood{i}", "x")
        if status == 429:
            if not headers.get("Retry-After"):
                fail("429 without Retry-After on sign-in")
            print(f"ok  sign-in flood: 429 after {i} tries, Retry-After {headers['Retry-After']}")
            return
    fail("200 sign-in attempts from one address and no 429")


def check_sms_flood():
    c = Client()
    for i in range(200):
        status, headers, _ = c.req("POST", "/api/v1/sms/code", json_body={"phone": f"1371234{i:04d}", "purpose": "register"})
        if status == 429:
            if not headers.get("Retry-After"):
                fail("429 without Retry-After on SMS codes")
            print(f"ok  SMS flood: 429 after {i} codes")
            return
    fail("200 SMS codes to 200 phones from one address and no 429")


def id_number(first17):
    """A valid ID number: the 17 digits and their ISO 7064 MOD 11-2 check character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights))
    return first17 + "10X98765432"[total % 11]


def check_registration_reveals_nothing():
    # The demo learner 陈学员's ID number, with a code that was never sent.
    body = {"name": "冒名者", "id_number": id_number("52010219980307123"), "phone": "13555550001", "code": "000000",
            "password": "Jineng@2026x", "person_category": "graduate", "education": "bachelor", "region_code": "520102"}
    status, _, text = Client().req("POST", "/api/v1/learners/register", json_body=body)
    if "已注册" in text or "导入" in text:
        fail(f"registration told about an existing person before any code: {text}")
    print(f"ok  registration without a code: {status}, nothing about the ID number")


def check_exchange_answers():
    ts = str(int(time.time()))
    path = "/api/v1/exchange/learners"
    text = f"GET\n{path}\n{ts}\nprobe-nonce-1\n{hashlib.sha256(b'').hexdigest()}"
    sig = hmac.new(b"not-the-secret", text.encode(), hashlib.sha256).hexdigest()
    answers = []
    for client, nonce in (("xc_surely_unknown", "probe-nonce-1"), ("xc_another_unknown", "probe-nonce-2")):
        _, _, body = Client().req("GET", path, headers={"X-Client-Id": client, "X-Timestamp": ts, "X-Nonce": nonce, "X-Signature": sig})
        answers.append(json.loads(body).get("detail"))
    if answers[0] != answers[1]:
        fail(f"exchange answers differ by client id: {answers}")
    print("ok  exchange: unknown clients and bad signatures answer alike")


def check_headers():
    status, headers, _ = Client().req("GET", "/login")
    need = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"}
    for k, v in need.items():
        if headers.get(k) != v:
            fail(f"/login: {k} is {headers.get(k)!r}, expected {v!r}")
    if "script-src 'self'" not in headers.get("Content-Security-Policy", ""):
        fail("/login: no CSP restricting scripts")
    print("ok  headers: no-store, CSP, framing and sniffing denied")


if __name__ == "__main__":
    check_headers()
    check_no_enumeration()
    check_registration_reveals_nothing()
    check_exchange_answers()
    check_sms_flood()
    check_sign_in_flood()
    print("probe: no finding")
