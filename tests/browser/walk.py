#!/usr/bin/env python3
"""The whole path in a real browser, against a server started with --demo: a new
institution registers and uploads its licence, the county regulator approves it; a new
learner registers with the SMS code the demo shows, applies to a recruiting class, and
the institution accepts; the demo learner signs into today's session with the rotating
QR code on a phone-sized window; the institution completes the class and the learner sees
the result (practising for its exam on the phone first); a stranger plays a course
preview and reads its handout on a phone; a stranger verifies a certificate from its QR
link on a phone, and sees it revoked once the institution revokes it. Clicks are real clicks; forms are filled by
setting field values.

Usage: walk.py BASE_URL CHROMEDRIVER_URL
"""
import os, random, sys, tempfile, time

sys.argv = sys.argv[:3]
import login  # WebDriver helpers (standard library only)
from login import BASE, call, session, wait_find

PW = "Jineng@2026"
DESKTOP, PHONE = (1280, 900), (390, 844)


def js(sid, script, *args):
    return call("POST", f"/session/{sid}/execute/sync", {"script": script, "args": list(args)})


def go(sid, path):
    call("POST", f"/session/{sid}/url", {"url": BASE + path})


def click(sid, css=None, xpath=None):
    using, value = ("xpath", xpath) if xpath else ("css selector", css)
    deadline = time.time() + 20
    while True:
        try:
            el = call("POST", f"/session/{sid}/element", {"using": using, "value": value})
            break
        except AssertionError:
            if time.time() > deadline:
                raise
            time.sleep(0.25)
    ref = list(el.values())[0]
    # Bring it to the middle of the window first, as a person would scroll to it.
    call("POST", f"/session/{sid}/execute/sync", {"script": "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", "args": [el]})
    time.sleep(0.1)
    call("POST", f"/session/{sid}/element/{ref}/click", {})


def fill(sid, values):
    """Set form fields by name (inputs and selects)."""
    missing = js(sid, """
        const missing = [];
        for (const [k, v] of Object.entries(arguments[0])) {
          const el = document.querySelector(`[name="${k}"]`);
          if (!el) { missing.push(k); continue; }
          el.value = v;
        }
        return missing;""", values)
    assert not missing, f"fields not on the page: {missing}"


def text(sid):
    return js(sid, "return document.body.innerText;")


def wait_text(sid, needle, seconds=20):
    deadline = time.time() + seconds
    while True:
        t = text(sid)
        if needle in t:
            return t
        if time.time() > deadline:
            raise AssertionError(f"{needle!r} not on {js(sid, 'return location.pathname;')}: {t[:400]!r}")
        time.sleep(0.25)


def shot(sid, name):
    import base64
    png = call("GET", f"/session/{sid}/screenshot")
    with open(os.path.join(login.OUT, f"walk-{name}.png"), "wb") as f:
        f.write(base64.b64decode(png))


def sign_in(sid, user, password=PW):
    go(sid, "/login")
    fill(sid, {"login": user, "password": password})
    click(sid, "#login-submit")
    wait_find(sid, "form[action='/logout']")


def credit_code(first17):
    """A valid code from the first 16 characters: the organisation code's check (GB 11714)
    and the code's own check (GB 32100) computed."""
    body = first17[8:16]
    ow = [3, 7, 9, 10, 5, 8, 4, 2]
    val = lambda ch: int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10
    oc = 11 - sum(val(ch) * wi for ch, wi in zip(body, ow)) % 11
    inner = "X" if oc == 10 else "0" if oc == 11 else str(oc)
    first17 = first17[:16] + inner
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    c = (31 - sum(chars.index(ch) * wi for ch, wi in zip(first17, w)) % 31) % 31
    return first17 + chars[c]


def id_number(first17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    c = (12 - sum(int(d) * wi for d, wi in zip(first17, w)) % 11) % 11
    return first17 + ("X" if c == 10 else str(c))


def main():
    n = random.randint(10000, 99999)
    sessions = []
    try:
        # 1. A new institution registers itself and uploads its licence.
        inst = session(*DESKTOP); sessions.append(inst)
        go(inst, "/register")
        name = f"浏览器测试培训学校{n}"
        fill(inst, {
            "kind": "institution", "name": name, "credit_code": credit_code(f"91520102MA6W{n}"[:17].ljust(17, "1")),
            "region_code": "520102", "address": "南明区测试路1号", "legal_rep_name": "孙丽",
            "legal_rep_id": id_number(f"5201021985{n % 12 + 1:02d}15{n % 900 + 100:03d}"), "contact_name": "孙丽",
            "contact_phone": f"139{n:05d}123", "nature": "private", "institution_type": "ordinary",
            "bank_name": "贵州银行", "bank_account_name": name, "bank_account": f"62220000{n:05d}222",
            "training_scale": "300", "site_area": "600", "licence_no": f"黔人社培字{n}号",
            "valid_from": "2025-01-01", "valid_until": "2029-12-31",
            "admin_username": f"walk{n}", "admin_name": "孙丽", "admin_password": PW,
        })
        # The contact phone is proved with the code the demo shows.
        click(inst, "#send-code")
        notice = wait_text(inst, "演示模式：验证码为")
        code = notice.split("演示模式：验证码为")[1].strip()[:6]
        fill(inst, {"code": code, "admin_password": PW})
        click(inst, "#register-submit")
        wait_text(inst, "请等待所在区县人社部门审核")
        org_path = js(inst, "return location.pathname;")
        assert org_path.startswith("/orgs/"), org_path
        pdf = os.path.join(tempfile.mkdtemp(), "办学许可证.pdf")
        with open(pdf, "wb") as f:
            f.write(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
        fill(inst, {"kind": "school_licence"})
        el = call("POST", f"/session/{inst}/element", {"using": "css selector", "value": "input[type=file][name=file]"})
        call("POST", f"/session/{inst}/element/{list(el.values())[0]}/value", {"text": pdf})
        click(inst, "#upload-document")
        wait_text(inst, "材料已上传")
        assert "办学许可证.pdf" in text(inst)
        shot(inst, "1-institution-registered")
        print("walk: institution registered and uploaded its licence")

        # 2. The county regulator approves it.
        reg = session(*DESKTOP); sessions.append(reg)
        sign_in(reg, "nm_regulator")
        go(reg, org_path)
        wait_text(reg, "办学许可证.pdf")
        click(reg, "#act-approve")
        wait_text(reg, "已通过")
        go(inst, org_path)
        wait_text(inst, "已通过")
        print("walk: regulator approved it")

        # 3. A new learner registers on a phone with the SMS code and applies to a class.
        new = session(*PHONE); sessions.append(new)
        go(new, "/register/learner")
        phone = f"137{n:05d}{random.randint(100, 999)}"
        fill(new, {"name": "浏览器学员", "id_number": id_number(f"5201021999{n % 12 + 1:02d}1{n % 9 + 1}{n % 900 + 100:03d}"), "phone": phone})
        click(new, "#send-code")
        notice = wait_text(new, "演示模式：验证码为")
        code = notice.split("演示模式：验证码为")[1].strip()[:6]
        fill(new, {"code": code, "person_category": "graduate", "education": "bachelor", "region_code": "520102", "password": PW})
        click(new, "#register-learner")
        wait_find(new, "form[action='/logout']")
        go(new, "/training")
        wait_text(new, "正在招生的培训班")
        action = js(new, "const f = document.querySelector(\"#recruiting form[action$='/apply']\"); return f && f.getAttribute('action');")
        assert action, "no recruiting class to apply to"
        class_id = action.split("/")[3]
        click(new, f"form[action='{action}'] button")
        wait_text(new, "待审核")
        shot(new, "3-learner-applied")
        print("walk: learner registered and applied")

        # 4. The institution of that class accepts the application.
        org = session(*DESKTOP); sessions.append(org)
        sign_in(org, "institution")
        go(org, f"/classes/{class_id}")
        wait_text(org, "浏览器学员")
        click(org, xpath="//ul[@id='applications']/li[contains(., '浏览器学员')]//button[@value='accept']")
        wait_find(org, "#class-learners")
        assert "浏览器学员" in js(org, "return document.querySelector('#class-learners').innerText;")
        go(new, "/training")
        wait_text(new, "已录取")
        print("walk: institution accepted the learner")

        # 5. Today's session of the class in training: the demo learner signs in by QR code.
        go(org, "/classes?status=in_training")
        running, deadline = None, time.time() + 20
        while not running and time.time() < deadline:
            running = js(org, "const a = document.querySelector(\"td a[href^='/classes/']\"); return a && a.getAttribute('href');")
            if not running:
                time.sleep(0.25)
        assert running, f"no class in training in the demo: {text(org)[:600]!r}"
        go(org, running)
        click(org, "a[href$='/qr']")
        wait_find(org, "#qr-card svg")
        link = js(org, "return document.getElementById('qr-link').textContent.trim();")
        assert "/checkin/" in link, link
        shot(org, "5-qr-code")
        learner = session(*PHONE); sessions.append(learner)
        sign_in(learner, "learner")
        call("POST", f"/session/{learner}/url", {"url": link if link.startswith("http") else BASE + link})
        click(learner, "#checkin")
        wait_text(learner, "签到成功")
        shot(learner, "5-checked-in")
        print("walk: learner signed in with the QR code")

        # 5b. Exams, before the class completes: the demo learner, on the phone, starts the class's pre-exam practice
        #     with the pledge, answers by tapping (each answer saved as it is given),
        #     reloads and finds the answers kept, hands in, and reads the marked sheet
        #     with the right answers.
        go(learner, "/exams")
        wait_text(learner, "我的考试")
        assert "考前练习" in text(learner) and "模拟考试" in text(learner), "the class's exams are not listed"
        form = js(learner, """
            const f = [...document.querySelectorAll('form.exam-start')].find(f => f.closest('.my-exam').textContent.includes('考前练习'));
            return f ? f.getAttribute('action') : null;""")
        assert form, "the practice cannot be started"
        js(learner, "document.querySelector(`form[action='${arguments[0]}'] input[name=pledge]`).checked = true;", form)
        click(learner, css=f"form[action='{form}'] button[type=submit]")
        wait_find(learner, "#exam-sheet")
        wait_text(learner, "剩余")
        boxes = js(learner, "return document.querySelectorAll('.exam-question').length;")
        assert boxes == 5, f"the paper has {boxes} questions"
        for i in range(boxes):
            click(learner, css=f".exam-question[data-position='{i}'] label.form-check")
        deadline = time.time() + 20
        while js(learner, "return [...document.querySelectorAll('.exam-note')].filter(n => n.textContent === '已保存').length;") < boxes:
            assert time.time() < deadline, "the answers were not all saved: " + str(js(learner, "return [...document.querySelectorAll('.exam-note')].map(n => n.textContent);"))
            time.sleep(0.25)
        go(learner, js(learner, "return location.pathname;"))
        wait_find(learner, "#exam-sheet")
        kept = js(learner, "return document.querySelectorAll('#exam-sheet input:checked').length;")
        assert kept >= boxes, f"after a reload {kept} answers are checked"
        overflow = js(learner, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the answer sheet is wider than the phone by {overflow}px"
        shot(learner, "5b-exam-sheet")
        js(learner, "window.confirm = () => true;")
        click(learner, css="#exam-submit")
        wait_find(learner, "#exam-result")
        score = js(learner, "return document.querySelector('#exam-score').textContent;")
        assert score.strip().isdigit(), f"no score: {score!r}"
        assert "正确答案" in text(learner) and "解析" in text(learner), "the practice does not show the answers"
        shot(learner, "5b-exam-result")
        print(f"walk: a learner practises on a phone, answers saved as tapped, and scores {score.strip()}/100")

        # 5c. The institution publishes a mock exam that draws half of every rule line from
        #     the province's question bank of the class's occupation and level.
        go(org, running)
        wait_find(org, "#exam-shared-bank")
        options = js(org, "return [...document.querySelectorAll('#exam-shared-bank option')].map(o => o.textContent);")
        assert any("省级理论知识题库" in o for o in options) and any("云南" in o for o in options), options
        bank = js(org, "return [...document.querySelectorAll('#exam-shared-bank option')].find(o => o.textContent.includes('省级理论知识题库')).value;")
        fill(org, {"kind": "mock", "title": "模拟考试（含省级题库）", "shared_bank": bank, "shared_percent": "50"})
        click(org, "#publish-exam")
        t = wait_text(org, "模拟考试（含省级题库）")
        assert "50%取自省级题库" in t, t[:900]
        shot(org, "5c-exam-with-province-bank")
        print("walk: the institution publishes a mock exam drawing half of each rule line from the province bank")

        # 5d. Course orders, while the class is in training: on a phone the institution pays
        #     its unpaid order on the
        #     sandbox cashier and sees it paid; it asks to refund the unused seat and the
        #     operator approves it on the order's page.
        buyer = session(*PHONE); sessions.append(buyer)
        sign_in(buyer, "institution")
        go(buyer, "/orders")
        t = wait_text(buyer, "课程订单")
        assert "待支付" in t and "已全部退款" in t and "已支付" in t, t[:900]
        overflow = js(buyer, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the order list is wider than the phone by {overflow}px"
        shot(buyer, "21-orders")
        click(buyer, xpath="//tr[.//span[contains(text(), '待支付')]]//a")
        wait_text(buyer, "去支付")
        click(buyer, css="#pay-order")
        t = wait_text(buyer, "沙箱收银台")
        assert "¥268.00" in t, t[:600]
        shot(buyer, "21b-cashier")
        click(buyer, css="#confirm-pay")
        wait_text(buyer, "已在支付渠道付款")
        for _ in range(40):
            if "已支付" in js(buyer, "return document.getElementById('order-status').innerText;"):
                break
            time.sleep(0.5)
            go(buyer, js(buyer, "return location.pathname;"))
        t = wait_text(buyer, "支付记录")
        assert "支付成功" in t and "证据日志第" in t, t[:1200]
        order_path = js(buyer, "return location.pathname;")
        fill(buyer, {"seats": "1", "reason": "插班学员未报到，席位未使用"})
        click(buyer, css="#request-refund")
        wait_text(buyer, "退款申请已提交")
        overflow = js(buyer, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the order page is wider than the phone by {overflow}px"
        shot(buyer, "21c-refund-requested")
        op = session(*DESKTOP); sessions.append(op)
        sign_in(op, "operator")
        go(op, "/orders")
        t = wait_text(op, "待审核的退款")
        assert "插班学员未报到" in t, t[:1200]
        go(op, order_path)
        wait_text(op, "通过并退款")
        js(op, "window.confirm = function () { return true; };")
        click(op, xpath="//button[contains(text(), '通过并退款')]")
        t = wait_text(op, "退款已通过")
        assert "已全部退款" in t and "已入账" in t, t[:1500]
        shot(op, "21d-refunded")
        print("walk: an institution pays an order on the sandbox on a phone; the operator refunds its unused seat")

        # 5e. Training vouchers: on the phone the demo learner finds the voucher the
        #     province issued to their card and uses it for the class in training.
        go(learner, "/subsidies")
        t = wait_text(learner, "我的职业培训券")
        assert "可使用" in t and "已过期" in t, t[:1200]
        click(learner, css=".use-voucher")
        t = wait_text(learner, "培训券已用于该培训班")
        assert "已使用，待兑付" in t, t[:1200]
        overflow = js(learner, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"我的补贴 with vouchers is wider than the phone by {overflow}px"
        shot(learner, "5e-voucher-used")
        print("walk: the demo learner uses a training voucher for the class in training on a phone")

        # 6. The institution completes the class; the learner sees the result.
        go(org, running)
        click(org, "#act-complete")
        wait_text(org, "结业名单")
        body = text(org)
        assert "合格" in body or "不足" in body, "completion list without results"
        shot(org, "6-completion-list")
        # Then redeems the class's vouchers: spent for learners who completed, given
        # back to those who did not.
        go(org, running + "/subsidy")
        wait_text(org, "学员使用的职业培训券")
        click(org, css="#redeem-vouchers")
        t = wait_text(org, "培训券已兑付")
        assert "已兑付" in t or "未使用" not in t, t[:1500]
        shot(org, "6b-vouchers-redeemed")
        go(learner, "/training")
        t = wait_text(learner, "已结业")
        assert "结业结果" in t, t[:400]
        overflow = js(learner, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"我的培训 wider than the phone by {overflow}px"
        shot(learner, "6-my-training")
        print("walk: class completed, the learner sees the result")

        # 7. Anyone, on a phone and signed out, checks a record against the evidence log.
        anyone = session(*PHONE); sessions.append(anyone)
        import json, urllib.request
        with urllib.request.urlopen(BASE + "/api/v1/ledger/entry?index=0", timeout=30) as r:
            entry = json.loads(r.read())
        record = entry["record_id"]
        label = {"audit_head": "审计日志锚点", "study_day": "每日学时", "study_clearing": "学时清零",
                 "study_summary": "学时汇总"}[entry["kind"]]
        go(anyone, "/ledger")
        t = wait_text(anyone, "最新检查点")
        assert "验证公钥" in t, t[:400]
        fill(anyone, {"record_id": record})
        click(anyone, "#ledger-check")
        t = wait_text(anyone, "验证通过")
        assert label in t, t[:400]
        overflow = js(anyone, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"证据日志 wider than the phone by {overflow}px"
        shot(anyone, "7-ledger-proof")
        print("walk: a record proved against the signed evidence log on a phone")

        # 8. A regulator, on a phone, looks at the log's health.
        watcher = session(*PHONE); sessions.append(watcher)
        sign_in(watcher, "gz_regulator")
        go(watcher, "/ledger/health")
        t = wait_text(watcher, "证据日志运行状况")
        assert "最新检查点" in t and "校验记录" in t and "见证方" in t, t[:400]
        overflow = js(watcher, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"证据日志运行状况 wider than the phone by {overflow}px"
        shot(watcher, "8-ledger-health")
        print("walk: a regulator sees the evidence log's health on a phone")

        # 9. An expert opens the review queue on a phone, reads a waiting course and
        #    returns it with a comment; the provider sees the comment on its package.
        expert = session(*PHONE); sessions.append(expert)
        sign_in(expert, "expert")
        go(expert, "/course-reviews")
        wait_text(expert, "课程审核")
        click(expert, xpath="//ul[@id='review-queue']//a")
        t = wait_text(expert, "审核意见")
        assert "课程目录" in t and "版权证明" in t, t[:400]
        overflow = js(expert, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the review page is wider than the phone by {overflow}px"
        shot(expert, "9-course-review")
        fill(expert, {"comments": "请补充操作演示（浏览器走查）"})
        click(expert, css="#review-return")
        wait_text(expert, "审核意见已提交")
        provider = session(*DESKTOP); sessions.append(provider)
        sign_in(provider, "provider")
        go(provider, "/courses?listing=unlisted")
        wait_text(provider, "课程包")
        assert "送审中" in text(provider)
        shot(provider, "9-provider-courses")
        print("walk: an expert returns a course from a phone with a comment")

        # 10. A stranger finds a course by a Chinese word in the public catalogue on a
        #     phone and plays its free preview: the playback time advances.
        stranger = session(*PHONE); sessions.append(stranger)
        go(stranger, "/course-catalogue?q=%E6%AF%8D%E5%A9%B4")  # 母婴
        wait_text(stranger, "共找到")
        click(stranger, css="#catalogue-results a.card")
        wait_text(stranger, "课程目录")
        overflow = js(stranger, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the course page is wider than the phone by {overflow}px"
        shot(stranger, "10-course-page")
        click(stranger, css="a.preview-link")
        wait_text(stranger, "试看")
        js(stranger, "const v = document.getElementById('player'); v.muted = true; v.play();")
        deadline = time.time() + 30
        played = 0.0
        while time.time() < deadline:
            played = js(stranger, "return document.getElementById('player').currentTime;") or 0.0
            if played > 2.0:
                break
            time.sleep(0.5)
        err = js(stranger, "return document.getElementById('player').getAttribute('data-error');")
        assert played > 2.0, f"the preview did not play (time {played}, error {err})"
        shot(stranger, "10-preview-playing")
        print(f"walk: a stranger plays a preview on a phone ({played:.1f}s played)")

        # 11. The same stranger reads the package's free handout: every page is an image
        #     that loaded, no wider than the phone; there is no link to the PDF.
        go(stranger, "/course-catalogue?q=%E6%AF%8D%E5%A9%B4")  # 母婴
        wait_text(stranger, "共找到")
        click(stranger, css="#catalogue-results a.card")
        wait_text(stranger, "课程目录")
        handout = js(stranger, "const a = [...document.querySelectorAll('a.preview-link')].find(a => a.href.endsWith('/read')); return a ? a.getAttribute('href') : null;")
        assert handout, "the course page has no handout to read"
        go(stranger, handout)
        wait_find(stranger, "#document img")
        deadline = time.time() + 20
        loaded = 0
        while time.time() < deadline:
            js(stranger, "document.querySelectorAll('#document img').forEach(i => i.loading = 'eager');")
            loaded = js(stranger, "return [...document.querySelectorAll('#document img')].filter(i => i.complete && i.naturalWidth > 0).length;")
            if loaded >= 3:
                break
            time.sleep(0.5)
        assert loaded >= 3, f"only {loaded} handout pages loaded"
        links = js(stranger, "return document.querySelectorAll('a[href*=\".pdf\"], a[download], embed, object, iframe').length;")
        assert links == 0, "the reading page links to or embeds the file"
        overflow = js(stranger, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the reading page is wider than the phone by {overflow}px"
        shot(stranger, "11-handout")
        print(f"walk: a stranger reads a {loaded}-page handout on a phone")

        # 12. A learner studies the free public-welfare course on a phone: the player
        #     opens a study session, sends heartbeats, and the server credits the time
        #     watched; 我的学习 shows it.
        learner = session(*PHONE); sessions.append(learner)
        sign_in(learner, "learner")
        go(learner, "/course-catalogue?q=%E5%AE%89%E5%85%A8%E7%94%9F%E4%BA%A7")  # 安全生产
        wait_text(learner, "共找到")
        click(learner, css="#catalogue-results a.card")
        wait_text(learner, "课程目录")
        course_page = js(learner, "return location.pathname;")
        watch = js(learner, "const a = [...document.querySelectorAll('a.preview-link')].find(a => a.href.endsWith('/watch')); return a ? a.getAttribute('href') : null;")
        assert watch, "the public-welfare course has no video to study"
        go(learner, watch)
        wait_text(learner, "播放即开始计时")
        js(learner, "const v = document.getElementById('player'); v.muted = true; v.play();")
        deadline = time.time() + 45
        credited = 0
        while time.time() < deadline:
            credited = int(js(learner, "return document.getElementById('player').getAttribute('data-credited') || '0';") or 0)
            if credited > 0:
                break
            time.sleep(1)
        status = js(learner, "return document.getElementById('study-status').textContent;")
        assert credited > 5000, f"no study time credited ({credited} ms; status: {status})"
        assert "已计" in status, status
        mark = js(learner, "return document.getElementById('watermark').textContent;")
        assert "*" in mark, f"the watermark shows no masked ID number: {mark}"
        shot(learner, "12-studying")
        # The course's handout is studied by the time it is read with the page in front.
        go(learner, course_page)
        wait_text(learner, "课程目录")
        read = js(learner, "const a = [...document.querySelectorAll('a.preview-link')].find(a => a.href.endsWith('/read')); return a ? a.getAttribute('href') : null;")
        assert read, "the public-welfare course has no handout to study"
        go(learner, read)
        wait_text(learner, "阅读即开始计时")
        deadline = time.time() + 45
        read_ms = 0
        while time.time() < deadline:
            read_ms = int(js(learner, "return document.getElementById('document').getAttribute('data-credited') || '0';") or 0)
            if read_ms > 0:
                break
            time.sleep(1)
        status = js(learner, "return document.getElementById('study-status').textContent;")
        assert read_ms > 5000, f"no reading time credited ({read_ms} ms; status: {status})"
        shot(learner, "12-reading")
        go(learner, "/study")
        wait_text(learner, "我的学习")
        assert "职业素养与安全生产" in text(learner)
        overflow = js(learner, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"我的学习 is wider than the phone by {overflow}px"
        shot(learner, "12-my-study")
        print(f"walk: a learner studies on a phone and is credited {credited / 1000:.0f}s watching and {read_ms / 1000:.0f}s reading")

        # 13. Supervision: the institution, on a phone, is told of the county's spot-check
        #     verdict on its home page, opens the blended class and a learner's study
        #     record (per day, checks, sessions); the county regulator sees the class on
        #     the anomaly list, draws a new sample and records a verdict.
        inst = session(*PHONE); sessions.append(inst)
        sign_in(inst, "institution")
        go(inst, "/")
        wait_text(inst, "抽查结论")
        click(inst, css="#spot-check-notices a")
        wait_text(inst, "学习记录抽查")
        assert "不合格" in text(inst), "the class page does not show the verdict"
        # A learner who finished one of the course's lessons.
        record = js(inst, "const r = [...document.querySelectorAll('#class-study tbody tr')].find(r => !r.cells[2].textContent.startsWith('0/')); return r ? r.querySelector('a').getAttribute('href') : null;")
        assert record, "no learner of the class has finished a lesson"
        go(inst, record)
        wait_text(inst, "每日学时")
        days = js(inst, "return document.querySelectorAll('#record-days tbody td:not([colspan])').length;")
        assert days >= 3, "the learner's record shows no day"
        overflow = js(inst, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the study record is wider than the phone by {overflow}px"
        shot(inst, "13-study-record")
        # 14. The same learner's lifelong e-archive on the phone: online hours with the
        #     evidence-log proof (yesterday was closed when the demo was loaded), and the
        #     PDF downloads as a PDF.
        click(inst, css="#record-archive")
        wait_text(inst, "证据日志证明")
        index = js(inst, "const e = document.querySelector('#archive-proof-index'); return e ? e.textContent : null;")
        assert index and index.isdigit(), "the archive shows no evidence-log entry for its total"
        overflow = js(inst, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the archive is wider than the phone by {overflow}px"
        shot(inst, "14-archive")
        pdf = js(inst, """
            return fetch(document.querySelector('#archive-pdf').href)
              .then(r => r.arrayBuffer().then(b => [r.status, r.headers.get('content-type'), b.byteLength,
                 String.fromCharCode(...new Uint8Array(b.slice(0, 5)))]));""")
        assert pdf[0] == 200 and pdf[1] == "application/pdf" and pdf[3] == "%PDF-" and pdf[2] > 2000, f"archive PDF: {pdf}"
        print(f"walk: the learner's e-archive shows its proof (entry {index}) and a {pdf[2]}-byte PDF")
        reg = session(*DESKTOP); sessions.append(reg)
        sign_in(reg, "nm_regulator")
        go(reg, "/supervision")
        wait_text(reg, "不计学时记录多的班级")
        click(reg, css="#anomaly-classes a")
        wait_text(reg, "学习记录抽查")
        shot(reg, "13-anomalies-class")
        click(reg, css="#draw-spot-check")
        wait_find(reg, "#spot-qualified")
        click(reg, css="#spot-qualified")
        # The verdict is a full-page form post: wait for the page that answers it,
        # on which the verdict form is gone.
        deadline = time.time() + 20
        while js(reg, "return document.querySelectorAll('#spot-qualified').length;") != 0:
            assert time.time() < deadline, "the verdict form is still open"
            time.sleep(0.25)
        wait_text(reg, "学习记录抽查")
        verdicts = js(reg, "return [...document.querySelectorAll('#class-spot-checks .badge')].map(b => b.textContent);")
        assert "合格" in verdicts and "不合格" in verdicts, f"verdicts shown: {verdicts}"
        shot(reg, "13-spot-check")
        print("walk: an institution reads a study record on a phone; a county regulator spot-checks the class")

        # 15. Certificates: the institution finds a certificate of its completed class
        #     and prints the whole class in one PDF; a stranger scans the QR code (opens
        #     its link) on a phone, signed out, and sees it valid with the proof; the
        #     institution revokes it and the stranger's page then says so.
        cert_org = session(*DESKTOP); sessions.append(cert_org)
        sign_in(cert_org, "institution")
        go(cert_org, "/certificates")
        wait_text(cert_org, "证书管理")
        cert = js(cert_org, "const r = [...document.querySelectorAll('#certificates tr.certificate-row')].find(r => r.textContent.includes('有效') && r.textContent.includes('培训合格证明')); return r ? r.querySelector('a').getAttribute('href') : null;")
        assert cert, "no valid certificate listed for the institution"
        go(cert_org, cert)
        wait_find(cert_org, "#certificate-number")
        number = js(cert_org, "return document.getElementById('certificate-number').textContent.trim();")
        link = js(cert_org, "return document.getElementById('certificate-verify').href;")
        assert "?s=" in link, link
        shot(cert_org, "15-certificate")
        click(cert_org, css="#certificate a[href^='/classes/']")
        wait_find(cert_org, "#certificates-pdf")
        pdf = js(cert_org, """
            return fetch(document.querySelector('#certificates-pdf').href)
              .then(r => r.arrayBuffer().then(b => [r.status, r.headers.get('content-type'), b.byteLength,
                 String.fromCharCode(...new Uint8Array(b.slice(0, 5)))]));""")
        assert pdf[0] == 200 and pdf[1] == "application/pdf" and pdf[3] == "%PDF-", f"class certificates PDF: {pdf}"
        scanner = session(*PHONE); sessions.append(scanner)
        call("POST", f"/session/{scanner}/url", {"url": link})
        t = wait_text(scanner, "证据日志证明")
        assert "有效" in t and "二维码签名有效" in t, t[:600]
        assert "已由平台签名的检查点" in t, "the certificate's entry is not proved: " + t[:600]
        overflow = js(scanner, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the verification page is wider than the phone by {overflow}px"
        shot(scanner, "15-verified")
        go(cert_org, cert)
        wait_find(cert_org, "#revoke-reason")
        fill(cert_org, {"reason": "浏览器走查：证书信息有误"})
        click(cert_org, css="#revoke")
        wait_find(cert_org, "#certificate-revoked")
        call("POST", f"/session/{scanner}/url", {"url": link})
        t = wait_text(scanner, "已撤销")
        assert "浏览器走查：证书信息有误" in t, t[:600]
        shot(scanner, "15-revoked")
        print(f"walk: certificate {number} verified from its QR link on a phone, printed with its class ({pdf[2]} bytes), then revoked")

        # 16. Offline assessment: the teacher opens the completed class's score sheet from
        #     我的授课 on a phone (published: rows as cards, nothing wider than the
        #     screen); the institution corrects a theory score on a PC, which needs a
        #     reason and leaves a change record.
        teacher = session(*PHONE); sessions.append(teacher)
        sign_in(teacher, "teacher")
        go(teacher, "/teaching")
        wait_text(teacher, "我的授课")
        click(teacher, css="a[href$='/assessment']")
        t = wait_text(teacher, "考评成绩表")
        assert "已发布" in t and "王老师 复核发布于" in t, t[:600]
        overflow = js(teacher, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the score sheet is wider than the phone by {overflow}px"
        stacked = js(teacher, "return getComputedStyle(document.querySelector('#assessment-rows tbody tr')).display;")
        assert stacked == "block", f"rows are not cards on a phone: {stacked}"
        shot(teacher, "16-assessment-phone")
        sheet_path = js(teacher, "return location.pathname;")
        go(cert_org, sheet_path)
        wait_find(cert_org, "#change-reason")
        old = js(cert_org, "const i = document.querySelector(\"input[name^='theory.']\"); const v = i.value; i.value = String(Math.min(100, Number(v) + 1)); return v;")
        fill(cert_org, {"reason": "浏览器走查：复查试卷漏计一分"})
        click(cert_org, css="#save-assessment")
        t = wait_text(cert_org, "修改已保存并转为待复核")
        assert "发布后的修改记录" in t and "浏览器走查：复查试卷漏计一分" in t and f"由“{old}”改为" in t, t[:900]
        shot(cert_org, "16-assessment-changed")
        # The correction counts only once the teacher confirms it, from the phone.
        go(teacher, sheet_path)
        js(teacher, "window.confirm = () => true;")
        click(teacher, css="#confirm-assessment")
        t = wait_text(teacher, "成绩已确认发布")
        assert "已发布" in t, t[:600]
        shot(teacher, "16-assessment-reconfirmed")
        print(f"walk: the teacher reads the published score sheet on a phone; the institution corrects a theory score ({old} → +1) with a reason and the teacher confirms it again")

        # 17. Skill-level certificates: the demo learner finds the levels the appraisal
        #     centre reported (imported by the province's regulator) on a phone.
        holder = session(*PHONE); sessions.append(holder)
        sign_in(holder, "learner")
        go(holder, "/skill-certificates")
        t = wait_text(holder, "我的技能等级证书")
        assert "四级/中级工" in t and "五级/初级工" in t and "贵州省职业技能鉴定指导中心" in t, t[:600]
        overflow = js(holder, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the skill certificates page is wider than the phone by {overflow}px"
        shot(holder, "17-skill-certificates")
        print("walk: the learner sees the skill levels imported for them on a phone")

        # 18. Teacher qualification: the demo teacher finds the 上岗资格 certificate the
        #     county's regulator granted under 我的授课 on a phone, opens it, and its
        #     public verification page shows it valid with its expiry date.
        go(teacher, "/teaching")
        t = wait_text(teacher, "我的上岗资格证书")
        assert "中式烹调师" in t and "有效期至" in t, t[:900]
        click(teacher, css="#my-qualifications a[href^='/certificates/']")
        t = wait_text(teacher, "师资上岗资格证书")
        assert "贵阳市南明区人力资源和社会保障局" in t and "有效期至" in t, t[:900]
        click(teacher, css="#certificate-verify")
        t = wait_text(teacher, "证据日志证明")
        assert "有效期至" in t and "二维码签名有效" in t, t[:900]
        assert js(teacher, "return document.querySelector('#verify-status').textContent;") == "有效"
        overflow = js(teacher, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the verification page is wider than the phone by {overflow}px"
        shot(teacher, "18-qualification-verified")
        print("walk: the teacher opens their qualification certificate on a phone and verifies it")

        # 19. The institution uploads its seal (a transparent PNG) on a PC: the page shows
        #     the image the browser decoded, and a certificate prints with it.
        import struct, zlib
        def seal_png(side=200):
            rows = b"".join(b"\x00" + b"".join(
                (b"\xc8\x1e\x1e\xff" if (x - side // 2) ** 2 + (y - side // 2) ** 2 < (side // 2 - 4) ** 2 and (x + y) % 7 < 3 else b"\x00\x00\x00\x00")
                for x in range(side)) for y in range(side))
            chunk = lambda tag, data: struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
            return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
        seal = os.path.join(tempfile.mkdtemp(), "公章.png")
        with open(seal, "wb") as f:
            f.write(seal_png())
        go(cert_org, "/certificates")
        click(cert_org, css="#certificates-seal")
        wait_text(cert_org, "尚未上传印章")
        el = call("POST", f"/session/{cert_org}/element", {"using": "css selector", "value": "#seal-form input[type=file]"})
        assert js(cert_org, "return document.querySelector('#seal-form .file-picker label').textContent;") == "选择文件"
        call("POST", f"/session/{cert_org}/element/{list(el.values())[0]}/value", {"text": seal})
        picked = js(cert_org, "return document.querySelector('#seal-form .file-picker-name').textContent;")
        assert picked == "公章.png", f"the Chinese file picker does not name the chosen file: {picked!r}"
        click(cert_org, css="#seal-upload")
        wait_text(cert_org, "印章已上传")
        wait_find(cert_org, "#seal-image")
        width = js(cert_org, "const i = document.getElementById('seal-image'); return i.complete ? i.naturalWidth : 0;")
        assert width == 200, f"the uploaded seal did not load in the page: {width}"
        shot(cert_org, "19-seal")
        print("walk: the institution uploads its seal and the page shows it")

        # 20. The province's regulator keeps the province banks: on a phone, the list and
        #     the bank imported from 云南 with where it came from.
        prov = session(*PHONE); sessions.append(prov)
        sign_in(prov, "gz_regulator")
        go(prov, "/banks")
        t = wait_text(prov, "省级题库")
        assert "共享导入" in t and "本省编制" in t, t[:900]
        overflow = js(prov, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the bank list is wider than the phone by {overflow}px"
        click(prov, xpath="//a[contains(text(), '云南共享')]")
        t = wait_text(prov, "导出方")
        assert "云南省职业技能鉴定指导中心" in t and "第3版" in t and "不能在本平台修改" in t, t[:900]
        shot(prov, "20-shared-bank")
        # The 大字 switch (older users): the text grows, and stays so on the next page.
        before = js(prov, "return parseFloat(getComputedStyle(document.body).fontSize);")
        click(prov, css="#text-size")
        go(prov, "/banks")
        wait_text(prov, "省级题库")
        after = js(prov, "return parseFloat(getComputedStyle(document.body).fontSize);")
        assert after > before * 1.2, f"the 大字 switch did not enlarge the text: {before} → {after}"
        assert js(prov, "return document.getElementById('text-size').getAttribute('aria-pressed');") == "true"
        overflow = js(prov, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"with large text the bank list is wider than the phone by {overflow}px"
        shot(prov, "20b-large-text")
        click(prov, css="#text-size")
        print("walk: the province regulator sees the bank shared by 云南 with its provenance on a phone")

        # 21. Subsidies: the province regulator, on a phone, finds the demo claim approved
        #     at all three levels and its batch answered by the sandbox bank (one closed
        #     account failed); a learner registers a social-security card account.
        go(prov, "/subsidies")
        t = wait_text(prov, "培训补贴")
        assert "已批准" in t, t[:900]
        overflow = js(prov, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the claims list is wider than the phone by {overflow}px"
        shot(prov, "22-subsidy-claims")
        click(prov, xpath="//table[@id='claims']//tr[contains(., '已批准')]//a")
        t = wait_text(prov, "逐人核算")
        assert "县级 通过" in t and "市级 通过" in t and "省级 通过" in t and "证据日志第" in t, t[:1500]
        overflow = js(prov, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the claim page is wider than the phone by {overflow}px"
        shot(prov, "22b-subsidy-claim")
        go(prov, "/subsidies/batches")
        wait_text(prov, "发放批次")
        click(prov, xpath="//table[@id='batches']//a")
        for _ in range(40):
            if "已回盘" in js(prov, "return document.getElementById('batch-status').innerText;"):
                break
            time.sleep(0.5)
            go(prov, js(prov, "return location.pathname;"))
        t = wait_text(prov, "回盘记录")
        assert "已发放" in t and "账户已销户" in t and "沙箱银行" in t, t[:1500]
        shot(prov, "22c-subsidy-batch")
        me = session(*PHONE); sessions.append(me)
        sign_in(me, "learner")
        go(me, "/subsidies")
        wait_text(me, "我的补贴")
        fill(me, {"account": "6217 0024 3000 1234 567"})
        click(me, css="#save-card")
        t = wait_text(me, "社保卡金融账户已登记")
        assert "6217" in t and "4567" in t, t[:600]
        overflow = js(me, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"我的补贴 is wider than the phone by {overflow}px"
        shot(me, "22d-my-subsidies")
        print("walk: the province sees a claim approved at three levels and paid by the sandbox bank; a learner registers a card account on a phone")

        # 22. The city's regulator, on a phone, finds the learner's own claim (个人补贴)
        #     waiting at their level; the province reads the voucher report with its bars.
        city = session(*PHONE); sessions.append(city)
        sign_in(city, "gy_regulator")
        go(city, "/subsidies?mine=1")
        t = wait_text(city, "培训补贴")
        assert "市级审核中" in t and "个人申领" in t, t[:1200]
        click(city, xpath="//table[@id='claims']//a")
        t = wait_text(city, "逐人核算")
        assert "学员个人申领" in t and "县级 通过" in t, t[:1500]
        overflow = js(city, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the individual claim is wider than the phone by {overflow}px"
        shot(city, "23-individual-claim")
        go(prov, "/subsidies/vouchers")
        t = wait_text(prov, "培训券使用情况")
        assert "已兑付" in t and "已过期" in t and "发放批次" in t, t[:1500]
        overflow = js(prov, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the voucher report is wider than the phone by {overflow}px"
        shot(prov, "23b-vouchers")
        # The province records its payment of the demo's voucher settlement (drawn over
        # the institution's redeemed voucher, waiting for payment).
        assert "培训券结算单" in t and "待付款" in t, t[:3000]
        js(prov, "const i = document.querySelector('#voucher-settlements input[name=reference]'); i.value = 'BK' + Date.now();")
        click(prov, css="#voucher-settlements form button[type=submit]")
        t = wait_text(prov, "已登记付款")
        assert "已付款" in t and "流水号 BK" in t, t[:3000]
        overflow = js(prov, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the voucher settlements are wider than the phone by {overflow}px"
        shot(prov, "23c-voucher-settlements")
        print("walk: 贵阳市 finds a learner's own claim waiting; the province reads the voucher report and pays an institution's settlement")

        # 24. Solicitation: the expert group leader, on a phone, scores the roadshow left
        #     to him (the other expert's score stays hidden until his own is in); anyone,
        #     signed out, reads a published shortlist.
        lead = session(*PHONE); sessions.append(lead)
        sign_in(lead, "expert_leader")
        go(lead, "/solicitation")
        t = wait_text(lead, "我的路演评审")
        assert "2027年电子商务师课程资源征集" in t and "待评" in t, t[:1500]
        click(lead, xpath="//div[@id='my-roadshows']//a[contains(., '电子商务师')]")
        t = wait_text(lead, "路演评分表")
        assert "路演评审" in t and "提交评分" in t, t[:2000]
        assert "内容扎实" not in t, "another expert's comment shows before scoring"
        js(lead, "const f = document.querySelector('.score-form'); f.querySelectorAll('input[name=points]').forEach((i, n) => { i.value = [35, 17, 16, 15][n]; }); f.querySelector('input[name=comment]').value = '课程结构完整';")
        click(lead, css=".score-form button[type=submit]")
        t = wait_text(lead, "评分已提交")
        assert "83.00" in t or "83" in t, t[:3000]
        overflow = js(lead, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the roadshow page is wider than the phone by {overflow}px"
        shot(lead, "24-roadshow-score")
        anon = session(*PHONE); sessions.append(anon)
        go(anon, "/notices")
        t = wait_text(anon, "资源征集公示")
        assert "2027年家政服务员课程资源征集" in t, t[:1500]
        click(anon, xpath="//div[@id='notices']//a[contains(., '家政服务员')]")
        t = wait_text(anon, "入围名单")
        assert "85.00" in t and "登录" in t, t[:1500]
        overflow = js(anon, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the public notice is wider than the phone by {overflow}px"
        shot(anon, "24b-public-notice")
        print("walk: an expert scores a roadshow on a phone; a published shortlist is read signed out")

        # 25. The operator reads the quality list on a phone and opens a rated course's
        #     comments (the demo's learners rated what they studied).
        opq = session(*PHONE); sessions.append(opq)
        sign_in(opq, "operator")
        go(opq, "/course-quality")
        t = wait_text(opq, "课程质量")
        assert "学员希望新增的课程" in t and "电梯安装维修工" in t, t[:2000]
        rated = js(opq, "const r = [...document.querySelectorAll('#quality tbody tr')].find(tr => !tr.querySelector('[data-label=\"综合评分\"]').innerText.includes('—')); return r ? r.querySelector('a[href$=\"/ratings\"]').getAttribute('href') : null;")
        assert rated, "no rated course in the quality list"
        overflow = js(opq, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the quality list is wider than the phone by {overflow}px"
        shot(opq, "25-course-quality")
        go(opq, rated)
        t = wait_text(opq, "课程评价")
        assert "条评价" in t and "学员评论" in t and "隐藏" in t, t[:2000]
        shot(opq, "25b-course-ratings")
        print("walk: the operator reads the quality list and a course's ratings on a phone")

        # 25c. The operator reconciles yesterday with the sandbox channel on a phone and
        #      opens the day (both sides' totals, the differences if any).
        go(opq, "/reconciliations")
        wait_text(opq, "支付对账")
        day = js(opq, "return document.getElementById('reconcile-day').value;")
        click(opq, css="#reconcile-now")
        wait_text(opq, "已开始对账")
        found = None
        for _ in range(60):
            go(opq, "/reconciliations")
            found = js(opq, "const a = [...document.querySelectorAll('#reconciliations a')].find(a => a.innerText.trim() === arguments[0]); return a ? a.getAttribute('href') : null;", day)
            if found:
                break
            time.sleep(0.5)
        assert found, f"yesterday ({day}) was never reconciled"
        overflow = js(opq, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the reconciliation list is wider than the phone by {overflow}px"
        shot(opq, "25c-reconciliations")
        go(opq, found)
        t = wait_text(opq, "渠道对账单")
        assert "平台记录" in t and "差异" in t, t[:1500]
        overflow = js(opq, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"a reconciled day is wider than the phone by {overflow}px"
        shot(opq, "25d-reconciliation")
        print("walk: the operator reconciles yesterday with the payment channel on a phone")

        # 26. The admitted provider, on a phone, makes an open-API key for its course
        #     platform (the secret shown once) and sets the webhook address.
        api = session(*PHONE); sessions.append(api)
        sign_in(api, "provider")
        go(api, "/provider-api")
        t = wait_text(api, "新建密钥")
        assert "尚未通过资源征集入驻" not in t, t[:1500]
        fill(api, {"name": "课程平台生产环境"})
        click(api, css="#create-key")
        t = wait_text(api, "签名密钥只显示这一次")
        key_id = js(api, "return document.getElementById('key-id').innerText;")
        secret = js(api, "return document.getElementById('key-secret').innerText;")
        assert key_id.startswith("pk_") and len(secret) >= 40, (key_id, secret)
        assert key_id in js(api, "return document.getElementById('keys').innerText;")
        fill(api, {"url": "https://hooks.example.com/jineng"})
        click(api, css="#save-webhook")
        t = wait_text(api, "回调签名密钥")
        overflow = js(api, "return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 1, f"the open-API page is wider than the phone by {overflow}px"
        shot(api, "26-provider-api")
        go(api, "/provider-api")
        t = wait_text(api, "密钥")
        assert secret not in t, "the secret is shown again"
        print("walk: a provider makes an open-API key and sets its webhook on a phone")

    finally:
        for s in sessions:
            try:
                call("DELETE", f"/session/{s}")
            except Exception:
                pass
    print("browser walk: ok")


if __name__ == "__main__":
    main()
