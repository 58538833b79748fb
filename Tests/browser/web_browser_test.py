#!/usr/bin/env python3
"""activity-web in a real browser: Debian's chromium driven by Playwright (no browser download).

Builds a demo store with the real daemon (scripts/web-demo-store.sh), starts the real activity-web on a free
loopback port, and as three principals: logs in through the form, opens the security page, a user's history,
filters it by dates, opens an event, the users and manage-user pages, builds the activity report and exports
the CSV (compared byte for byte with `activityctl export --csv`); checks 403 for a principal without the
activity role, that an account-scoped principal never sees another account's user, and that a user named
<script> renders inert. Screenshots of each page go to ARTIFACTS (default .build/browser-artifacts).

Usage: Tests/browser/web_browser_test.py BIN_DIR [ARTIFACTS]
Bounded: every wait has a timeout; the servers are stopped at the end whatever happens.
"""
import os
import subprocess
import sys

from playwright.sync_api import sync_playwright

from webharness import ROOT, WebServer

BIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else None
ART = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else os.path.join(ROOT, ".build", "browser-artifacts")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def main():
    if BIN is None:
        sys.exit("usage: web_browser_test.py BIN_DIR [ARTIFACTS]")
    os.makedirs(ART, exist_ok=True)
    with WebServer(BIN) as web:
        print(f"activity-web at {web.base}", flush=True)
        run_browser(web.base, web.data)
    if failures:
        print(f"{len(failures)} browser check(s) failed", flush=True)
        sys.exit(1)
    print("browser tests passed", flush=True)


def login(browser, base, name):
    ctx = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 900})
    ctx.set_default_timeout(15000)
    page = ctx.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(base + "/security")
    check(page.url.startswith(base + "/login"), f"{name}: unauthenticated visit goes to the login form")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", name + "-pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return ctx, page, dialogs


def shot(page, name):
    page.screenshot(path=os.path.join(ART, name + ".png"), full_page=True)


def run_browser(base, data):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            admin_checks(browser, base, data)
            security_only_checks(browser, base)
            scoped_checks(browser, base)
        finally:
            browser.close()


def admin_checks(browser, base, data):
    ctx, page, dialogs = login(browser, base, "admin")
    # Security (seed 003): every user, last login and logout, status, entry, IP, location.
    check(page.url.startswith(base + "/security"), "admin: login lands on the security page")
    rows = page.locator("table tbody tr")
    check(rows.count() == 6, f"security page lists the 6 users (got {rows.count()})")
    check(page.get_by_role("cell", name="<script>alert(1)</script>").count() == 1, "a user named <script> shows as text")
    check(page.locator("text=London, GB").count() >= 1, "locations are shown")
    shot(page, "01-security")
    # Time-zone choice: times carry their offset.
    page.select_option("select[name=tz]", "Asia/Tokyo")
    page.click("form.filters button")
    page.wait_for_load_state()
    check("tz=Asia%2FTokyo" in page.url, "the time zone is in the (bookmarkable) URL")
    check(page.locator("text=+09:00").count() >= 1, "times are shown with the chosen zone's offset")
    # A user's login history, then filtered by dates.
    page.goto(base + "/security?tz=UTC")
    page.locator("table tbody tr", has_text="alice").locator("td").nth(2).locator("a").click()
    page.wait_for_load_state()
    check("/user/logins" in page.url and "u=alice" in page.url, "the last-login cell opens the user's login history")
    all_rows = page.locator("table tbody tr").count()
    check(all_rows == 4, f"alice's login history has 4 login events (got {all_rows})")
    shot(page, "02-login-history")
    page.fill("input[name=since]", "2026-11-03")
    page.fill("input[name=until]", "2026-11-04")
    page.click("form.filters button")
    page.wait_for_load_state()
    filtered = page.locator("table tbody tr")
    check(filtered.count() == 1, f"filtering 2026-11-03..04 leaves one login (got {filtered.count()})")
    check("2026-11-03 07:55:00 +00:00" in filtered.first.inner_text(), "the remaining row is the 3 November login")
    # Event details: all fields and origin.
    filtered.first.locator("a").first.click()
    page.wait_for_load_state()
    check(page.locator("th", has_text="ip").count() >= 1 and page.locator("text=2001:218::9").count() >= 1, "event details show the fields")
    shot(page, "03-event")
    # Manage user (seed 000): three sections, VPN badge.
    page.goto(base + "/user?u=alice&tz=UTC")
    check(page.locator("h2").all_inner_texts() == ["Login activity", "User activity", "Admin activity on the account"], "manage user has the three sections")
    check(page.locator(".badge", has_text="VPN").count() >= 1, "the VPN login has a badge")
    check(page.locator("text=email_changed").count() == 1, "admin activity on the account is listed")
    shot(page, "04-manage-user")
    # Users (seed 001).
    page.goto(base + "/users?tz=UTC&since=2026-10-01&inactive_days=30")
    check(page.locator("h2", has_text="Inactive for 30 days").count() == 1, "the users page has the inactive section")
    check(page.locator("section", has_text="Inactive").locator("text=dave").count() == 1, "dave (last login in September) is inactive")
    check(page.locator("section", has_text="Failed-attempt bursts").locator("text=carol").count() >= 1, "carol's failure burst is listed")
    shot(page, "05-users")
    # Users activity report (seed 002) and its CSV export, compared with activityctl.
    page.goto(base + "/report?tz=UTC")
    page.fill("input[name=user]", "alice, bob")
    page.fill("input[name=since]", "2026-11-01")
    page.click("button[name=build]")
    page.wait_for_load_state()
    check(page.locator("table tbody tr").count() == 10, f"the report lists alice's and bob's 10 events (got {page.locator('table tbody tr').count()})")
    shot(page, "06-report")
    with page.expect_download() as dl:
        page.click("text=Export as CSV")
    path = dl.value.path()
    with open(path, "rb") as f:
        got = f.read()
    want = subprocess.run([os.path.join(BIN, "activityctl"), "export", "--csv", "--data-dir", data, "--user", "alice", "--user", "bob",
                           "--since", "2026-11-01", "--tz", "UTC"], check=True, capture_output=True, timeout=60).stdout
    check(got == want and len(want) > 200, f"the exported CSV is the same bytes as activityctl export --csv ({len(got)} vs {len(want)} bytes)")
    check(b"'=HYPERLINK" in got, "the formula cell is neutralized")
    check(not dialogs, f"no script ran (dialogs: {dialogs})")
    ctx.close()


def security_only_checks(browser, base):
    ctx, page, _ = login(browser, base, "sec")
    r = page.goto(base + "/report?tz=UTC")
    check(r.status == 403, f"a principal without the activity role gets 403 on the report (got {r.status})")
    shot(page, "07-forbidden")
    r = page.request.get(base + "/report.csv?user=alice")
    check(r.status == 403, f"... and on the export (got {r.status})")
    ctx.close()


def scoped_checks(browser, base):
    ctx, page, dialogs = login(browser, base, "acme")
    text = page.content()
    check("alice" in text and "bob" not in text and "dave" not in text, "the acme principal's security page lists only acme's users")
    shot(page, "08-scoped-security")
    for path in ["/users?since=2026-01-01&inactive_days=0", "/report?build=1", "/user?u=bob", "/user/logins?u=bob", "/report.csv"]:
        r = page.request.get(base + path)
        body = r.text()
        check(r.status == 200 and "globex" not in body and "89.160.20.115" not in body and "Linköping" not in body and "support.kim" not in body,
              f"acme sees nothing of globex at {path}")
    check(not dialogs, "no script ran for the scoped principal")
    ctx.close()


if __name__ == "__main__":
    main()
