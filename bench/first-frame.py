#!/usr/bin/env python3
"""Time to first frame of a lesson video in headless Chromium, on a phone-sized window,
against a server started with --demo: a stranger opens a listed package's free preview
(the player page, hls.js, the signed master and rendition playlists, the key, the first
segment) and the time from the start of the page's navigation to the first video frame
presented (requestVideoFrameCallback) is taken, five times, each in a fresh browser.
Reference in the same run and browser: the navigation of a bare route (/healthz) until
its response ends. Target: the first frame within 6 s (seed 000), median reported.

Usage: first-frame.py BASE_URL CHROMEDRIVER_URL
"""
import json, statistics, sys, time, urllib.request

sys.argv = sys.argv[:3]
sys.path.insert(0, __import__("os").path.join(__import__("os").path.dirname(__file__), "..", "tests", "browser"))
import login  # WebDriver helpers (standard library only)
from login import BASE, call, session

PHONE = (390, 844)


def get(path):
    with urllib.request.urlopen(BASE + path, timeout=30) as r:
        return json.loads(r.read())


def preview_video():
    """The watch page of the first listed package's preview video."""
    for item in get("/api/v1/course-catalogue?per_page=50")["items"]:
        d = get(f"/api/v1/course-catalogue/{item['id']}")
        for c in d["chapters"]:
            for l in c["lessons"]:
                if (l.get("preview_path") or "").endswith("/watch"):
                    return l["preview_path"]
    raise SystemExit("no preview video in the catalogue (was the demo loaded with ffmpeg?)")


def js(sid, script):
    return call("POST", f"/session/{sid}/execute/sync", {"script": script, "args": []})


def js_async(sid, script):
    return call("POST", f"/session/{sid}/execute/async", {"script": script, "args": []})


def one(path):
    sid = session(*PHONE)
    try:
        call("POST", f"/session/{sid}/timeouts", {"script": 30000})
        call("POST", f"/session/{sid}/url", {"url": BASE + "/healthz"})
        bare = js(sid, "const n = performance.getEntriesByType('navigation')[0]; return n.responseEnd - n.startTime;")
        call("POST", f"/session/{sid}/url", {"url": BASE + path})
        first = js_async(sid, """
            const done = arguments[arguments.length - 1];
            const v = document.getElementById('player');
            v.muted = true;
            v.requestVideoFrameCallback((now) => done(now));
            v.play().catch((e) => done(-1));
        """)
        return bare, first
    finally:
        call("DELETE", f"/session/{sid}")


def main():
    path = preview_video()
    runs = [one(path) for _ in range(5)]
    bare = statistics.median(r[0] for r in runs)
    first = statistics.median(r[1] for r in runs)
    assert all(r[1] > 0 for r in runs), f"a run did not play: {runs}"
    print(f"reference: bare route navigation (/healthz)      median {bare:8.1f} ms")
    print(f"first frame of a preview lesson ({path})  median {first:8.1f} ms  = {first / max(bare, 0.1):.0f} x reference  (target <= 6000 ms)")
    print("runs (bare ms, first frame ms):", [(round(a, 1), round(b, 1)) for a, b in runs])


if __name__ == "__main__":
    main()
