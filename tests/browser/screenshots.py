#!/usr/bin/env python3
"""Screenshots of the main pages for a person to look at (not a test): signs in as the
given user and saves each page at desktop and phone width into target/browser/.
Usage: screenshots.py BASE_URL CHROMEDRIVER_URL USERNAME PATH [PATH…]"""
import sys
sys.argv, rest = sys.argv[:3], sys.argv[3:]
import login  # reuses the WebDriver helpers
import base64, os

user, paths = rest[0], rest[1:]
for name, w, h in [("desktop", 1280, 900), ("phone", 390, 844)]:
    sid = login.session(w, h)
    try:
        login.call("POST", f"/session/{sid}/url", {"url": login.BASE + "/login"})
        login.call("POST", f"/session/{sid}/element/{login.find(sid, '#login')}/value", {"text": user})
        login.call("POST", f"/session/{sid}/element/{login.find(sid, '#password')}/value", {"text": "Jineng@2026"})
        login.call("POST", f"/session/{sid}/element/{login.find(sid, '#login-submit')}/click", {})
        for p in paths:
            login.call("POST", f"/session/{sid}/url", {"url": login.BASE + p})
            png = login.call("GET", f"/session/{sid}/screenshot")
            fname = os.path.join(login.OUT, f"{user}{p.replace('/', '_').replace('?', '_')}-{name}.png")
            with open(fname, "wb") as f:
                f.write(base64.b64decode(png))
            print(fname)
    finally:
        login.call("DELETE", f"/session/{sid}")
