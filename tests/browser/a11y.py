#!/usr/bin/env python3
"""Accessibility check (GB/T 37668-2019, WCAG 2.1 A and AA rules) of each role's main
pages at phone and desktop width, in a real headless browser, against a server started
with --demo: axe-core (tests/browser/vendor, see scripts/vendor-axe.sh) is injected into
each page and every violation of impact "serious" or "critical" fails the check.

Usage: a11y.py BASE_URL CHROMEDRIVER_URL
"""
import json, os, sys, time

sys.argv = sys.argv[:3]
import login
from login import BASE, call, session, wait_find

PW = "Jineng@2026"
AXE = open(os.path.join(os.path.dirname(__file__), "vendor", "axe.min.js"), encoding="utf-8").read()
SIZES = {"phone": (390, 844), "desktop": (1366, 900)}
# The main pages of each role (and the sign-in page, anonymous).
PAGES = {
    None: ["/login", "/course-catalogue", "/notices"],
    "learner": ["/", "/training", "/exams", "/skill-certificates", "/archive", "/subsidies"],
    "institution": ["/", "/classes", "/learners", "/teachers", "/certificates", "/orders"],
    "nm_regulator": ["/", "/inbox", "/classes", "/orgs", "/supervision", "/subsidies"],
    "gz_regulator": ["/banks", "/catalogue", "/occupations", "/subsidies/policies", "/subsidies/batches", "/subsidies/vouchers"],
    "provider": ["/", "/courses", "/invoices", "/solicitation", "/provider-api"],
    "admin": ["/admin/users", "/audit"],
    "operator": ["/orders", "/settlements", "/reconciliations", "/solicitation/admissions", "/course-quality"],
}


def js(sid, script, *args):
    return call("POST", f"/session/{sid}/execute/sync", {"script": script, "args": list(args)})


def sign_in(sid, user):
    call("POST", f"/session/{sid}/url", {"url": BASE + "/login"})
    wait_find(sid, "input[name=login]")
    js(sid, "document.querySelector('[name=login]').value = arguments[0]; document.querySelector('[name=password]').value = arguments[1];", user, PW)
    js(sid, "document.getElementById('login-submit').click();")
    wait_find(sid, "form[action='/logout']")


def check(sid, path):
    call("POST", f"/session/{sid}/url", {"url": BASE + path})
    wait_find(sid, "body")
    time.sleep(0.3)
    js(sid, AXE)
    res = call("POST", f"/session/{sid}/execute/async", {"script": """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
          .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
             nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))
          .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));
    """, "args": []})
    return [v for v in res if v["impact"] in ("serious", "critical")]


def main():
    failures = 0
    for user, pages in PAGES.items():
        for size, (w, h) in SIZES.items():
            sid = session(w, h)
            call("POST", f"/session/{sid}/timeouts", {"script": 60000})
            try:
                if user:
                    sign_in(sid, user)
                for path in pages:
                    bad = check(sid, path)
                    for v in bad:
                        failures += 1
                        print(f"a11y: {user or 'anonymous'} {size} {path}: [{v['impact']}] {v['id']}: {v['help']} — {v['nodes']}")
            finally:
                call("DELETE", f"/session/{sid}")
    if failures:
        print(f"a11y: {failures} serious or critical violations")
        sys.exit(1)
    print(f"a11y: ok ({sum(len(p) for p in PAGES.values())} pages × {len(SIZES)} widths, no serious or critical violation)")


if __name__ == "__main__":
    main()
