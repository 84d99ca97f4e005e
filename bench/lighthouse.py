#!/usr/bin/env python3
"""Page speed and accessibility of three pages on Lighthouse's mobile profile (simulated
slow 4G, a mid-range phone), against a running server with the demo loaded: the sign-in
page, a learner's 我的培训 and an institution's page of its first class. Lighthouse
(npm, pinned below; it needs Node 20+) is installed into a temporary folder and drives
Debian's Chromium; nothing is fetched from anywhere but the server under test.

Usage: bench/lighthouse.py BASE_URL          (targets: performance ≥ 90, accessibility ≥ 95)
"""
import http.cookiejar, json, os, re, subprocess, sys, tempfile, urllib.parse, urllib.request

LIGHTHOUSE = "lighthouse@12.2.3"
PW = "Jineng@2026"
BASE = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8080"


def signed_in(user):
    """A session cookie header for a demo account, signed in through the login form."""
    jar = http.cookiejar.CookieJar()
    op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = op.open(BASE + "/login").read().decode()
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"_csrf": csrf, "login": user, "password": PW, "next": "/"}).encode()
    op.open(BASE + "/login", body)
    return op, "; ".join(f"{c.name}={c.value}" for c in jar)


def main():
    work = tempfile.mkdtemp()
    subprocess.run(["npm", "init", "-y"], cwd=work, check=True, capture_output=True)
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "-E", LIGHTHOUSE], cwd=work, check=True, capture_output=True)
    lh = os.path.join(work, "node_modules", ".bin", "lighthouse")
    learner = signed_in("learner")[1]
    inst_op, inst = signed_in("institution")
    classes = inst_op.open(BASE + "/classes").read().decode()
    class_path = re.search(r'href="(/classes/[0-9a-f-]{36})"', classes).group(1)
    pages = [("登录页", "/login", None), ("我的培训（学员）", "/training", learner), ("培训班页（机构）", class_path, inst)]
    rows, ok = [], True
    for name, path, cookie in pages:
        out = os.path.join(work, "r.json")
        cmd = [lh, BASE + path, "--quiet", "--only-categories=performance,accessibility", "--output=json",
               f"--output-path={out}", "--chrome-flags=--headless=new --no-sandbox --disable-gpu"]
        if cookie:
            cmd.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
        subprocess.run(cmd, check=True, env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"})
        r = json.load(open(out))
        if r.get("finalDisplayedUrl", "").rstrip("/").endswith("/login") and path != "/login":
            sys.exit(f"{name}: not signed in (landed on the login page)")
        perf = round(r["categories"]["performance"]["score"] * 100)
        a11y = round(r["categories"]["accessibility"]["score"] * 100)
        a = r["audits"]
        weight = a["total-byte-weight"]["numericValue"] / 1024
        rows.append((name, perf, a11y, a["first-contentful-paint"]["displayValue"],
                     a["largest-contentful-paint"]["displayValue"], a["total-blocking-time"]["displayValue"], f"{weight:.0f} KiB"))
        ok = ok and perf >= 90 and a11y >= 95
    print("| page | performance | accessibility | FCP | LCP | TBT | transferred |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(str(x) for x in r) + " |")
    print("targets met" if ok else "targets NOT met (performance ≥ 90, accessibility ≥ 95)")


if __name__ == "__main__":
    main()
