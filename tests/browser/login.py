#!/usr/bin/env python3
"""Headless-Chromium check of what only a browser proves: the login page renders with
its self-hosted assets under the CSP, a person signs in, and the home page appears, on a
desktop and on a phone-sized window. Speaks the W3C WebDriver protocol to chromedriver
with the standard library only. Screenshots go to target/browser/.

Usage: login.py BASE_URL CHROMEDRIVER_URL
"""
import base64, json, os, sys, urllib.error, urllib.request

BASE, DRIVER = sys.argv[1].rstrip("/"), sys.argv[2].rstrip("/")
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "target", "browser")
os.makedirs(OUT, exist_ok=True)


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(DRIVER + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read() or b"{}").get("value")
    except urllib.error.HTTPError as e:
        detail = json.loads(e.read() or b"{}").get("value", {})
        raise AssertionError(f"{method} {path}: {detail.get('error')}: {str(detail.get('message'))[:300]}") from None


def session(width, height):
    caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
        "binary": "/usr/bin/chromium",
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--window-size={width},{height}"]}}}}
    return call("POST", "/session", caps)["sessionId"]


def find(sid, css):
    el = call("POST", f"/session/{sid}/element", {"using": "css selector", "value": css})
    return list(el.values())[0]


def wait_find(sid, css, seconds=20):
    """Find an element, waiting for a navigation the last click started to finish."""
    import time
    deadline = time.time() + seconds
    while True:
        try:
            return find(sid, css)
        except AssertionError:
            if time.time() > deadline:
                raise
            time.sleep(0.25)


def run(name, width, height):
    sid = session(width, height)
    try:
        call("POST", f"/session/{sid}/url", {"url": BASE + "/login"})
        title = call("GET", f"/session/{sid}/title")
        assert "登录" in title, f"login page title: {title!r}"
        # Tabler's stylesheet loaded (self-hosted): the primary button is not the browser default.
        bg = call("GET", f"/session/{sid}/element/{find(sid, '#login-submit')}/css/background-color")
        assert bg not in ("rgba(0, 0, 0, 0)", "rgb(239, 239, 239)", "rgb(240, 240, 240)"), f"unstyled button: {bg}"
        call("POST", f"/session/{sid}/element/{find(sid, '#login')}/value", {"text": "admin"})
        call("POST", f"/session/{sid}/element/{find(sid, '#password')}/value", {"text": "Jineng@2026"})
        call("POST", f"/session/{sid}/element/{find(sid, '#login-submit')}/click", {})
        text = call("GET", f"/session/{sid}/element/{wait_find(sid, '#welcome')}/text")
        assert "您好，系统管理员" in text, f"home page greeting: {text!r}"
        # htmx was loaded from our own server and the CSP let it run.
        has_htmx = call("POST", f"/session/{sid}/execute/sync", {"script": "return typeof window.htmx;", "args": []})
        assert has_htmx == "object", f"htmx not loaded: {has_htmx}"
        # Horizontal overflow would mean the page is not usable on a phone.
        overflow = call("POST", f"/session/{sid}/execute/sync", {"script": "return document.documentElement.scrollWidth - window.innerWidth;", "args": []})
        assert overflow <= 1, f"page wider than the window by {overflow}px"
        png = call("GET", f"/session/{sid}/screenshot")
        with open(os.path.join(OUT, f"home-{name}.png"), "wb") as f:
            f.write(base64.b64decode(png))
    finally:
        call("DELETE", f"/session/{sid}")


def main():
    passed = failed = 0
    for name, w, h in [("desktop", 1280, 900), ("phone", 390, 844)]:
        try:
            run(name, w, h)
            passed += 1
            print(f"browser login ({name}): ok")
        except Exception as e:  # report and go on, so both sizes are tried
            failed += 1
            print(f"browser login ({name}): FAILED: {e}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
