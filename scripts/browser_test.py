#!/usr/bin/env python3
"""The operator's dashboard in a real browser: headless Chromium driven by Selenium against the
`payments` binary on loopback (SQLite). Signs in (a wrong token first), compares the overview
with the API's numbers for a seeded data set, finds a customer, refunds a payment through the
confirm step and sees the refund in the API and the audit log, runs verify on the chain before
and after a row is tampered with, and loads the overview at a phone's width.

Usage: browser_test.py PATH_TO_PAYMENTS_BINARY
"""
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

BINARY = sys.argv[1]
SCREENSHOTS = tempfile.mkdtemp(prefix="dashboard-screenshots-")
TOKEN = "adm_browser_test_0123456789abcdef"
results = {"passed": 0, "failed": 0}


def navigate(driver, action):
    """Does what loads a new page (a click, a submit) and waits until the old page is gone."""
    old = driver.find_element(By.TAG_NAME, "html")
    action()

    def gone(_):
        try:
            old.is_enabled()
            return False
        except WebDriverException:  # stale, or (mid-navigation) no longer in the document
            return True

    WebDriverWait(driver, 15).until(gone)
    WebDriverWait(driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")


def shoot(driver, name):
    """A screenshot of the page the browser shows, kept for a person to look at."""
    shot = len(os.listdir(SCREENSHOTS)) + 1
    driver.save_screenshot(os.path.join(SCREENSHOTS, f"{shot:02d}-{name}.png"))


def check(name, condition, detail=""):
    results["passed" if condition else "failed"] += 1
    print(f"  {'ok  ' if condition else 'FAIL'} {name}" + ("" if condition else f" {str(detail)[:1500]}"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, method, path, key, body=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    request.add_header("Authorization", f"Bearer {key}")
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, data, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def seed(port):
    """An app with a customer, a subscription, a payment refunded in part and a declined one."""
    status, app = call(port, "POST", "/admin/v1/apps", TOKEN, {"name": "Trucking", "mode": "test"})
    assert status == 201, app
    key = app["api_key"]
    call(port, "PUT", "/v1/customers/org_42", key, {"name": "Acme Haulage", "email": "billing@acme.test"})
    call(port, "PUT", "/v1/customers/org_9", key, {"name": "Other Co"})
    status, plan = call(port, "POST", "/v1/plans", key, {"key": "pro", "name": "Pro", "prices": [
        {"key": "monthly", "type": "recurring", "amount": 2900, "currency": "usd", "interval": "month"}]})
    assert status == 201, plan
    status, sub = call(port, "POST", "/v1/subscriptions", key, {"customer": "org_42", "plan": "pro", "payment_method": "pm_sandbox_visa"})
    assert status == 201, sub
    status, payment = call(port, "POST", "/v1/payments", key, {"customer": "org_42", "amount": 4200, "currency": "usd",
                                                               "payment_method": "pm_sandbox_visa", "description": "Haul, Leeds to York"})
    assert status == 201, payment
    call(port, "POST", f"/v1/payments/{payment['id']}/refunds", key, {"amount": 1000})
    call(port, "POST", "/v1/payments", key, {"customer": "org_9", "amount": 700, "currency": "usd", "payment_method": "pm_sandbox_declined"})
    return app["id"], key, payment["id"]


def main():
    with tempfile.TemporaryDirectory() as data:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
        env.update(DATA_DIR=data, PORT=str(port), HOST="127.0.0.1", ADMIN_TOKEN=TOKEN, APP_SECRET="browser-test-secret-0123456789abcdef")
        server = subprocess.Popen([BINARY, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            for _ in range(400):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.05)
            app_id, key, payment_id = seed(port)
            run(port, app_id, key, payment_id, os.path.join(data, "payments.sqlite"))
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"browser: {results['passed']} passed, {results['failed']} failed; screenshots of each page in {SCREENSHOTS}")
    sys.exit(1 if results["failed"] else 0)


def run(port, app_id, key, payment_id, database):
    base = f"http://127.0.0.1:{port}"
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(5)
    try:
        print("dashboard in Chromium:")
        driver.get(f"{base}/dashboard")
        shoot(driver, "sign-in")
        check("signed out, the dashboard asks for the admin token", driver.current_url.endswith("/dashboard/sign-in")
              and driver.find_element(By.NAME, "token").get_attribute("type") == "password", driver.current_url)
        driver.find_element(By.NAME, "token").send_keys("not-the-token")
        navigate(driver, lambda: driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click())
        shoot(driver, "wrong-token")
        check("a wrong token: a clear message", "not the admin token" in driver.find_element(By.CSS_SELECTOR, ".problem").text)
        cookies = driver.get_cookies()
        check("and no session", not any(c["name"] == "payments_dashboard" for c in cookies), cookies)
        driver.find_element(By.NAME, "token").send_keys(TOKEN)
        navigate(driver, lambda: driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click())
        shoot(driver, "overview")
        check("the right token: the overview", driver.find_element(By.TAG_NAME, "h1").text == "Overview", driver.page_source[:500])
        session = next((c for c in driver.get_cookies() if c["name"] == "payments_dashboard"), {})
        check("the session cookie is HttpOnly and SameSite=Strict", session.get("httpOnly") and session.get("sameSite") == "Strict", session)

        # The overview's numbers are the API's.
        row = driver.find_element(By.CSS_SELECTOR, f"tr[data-app='{app_id}']")
        cell = lambda k: row.find_element(By.CSS_SELECTOR, f"td[data-k='{k}']").text
        _, active = call(port, "GET", "/v1/subscriptions?status=active", key)
        _, payments = call(port, "GET", "/v1/payments?limit=100", key)
        succeeded = [p for p in payments["data"] if p["status"] == "succeeded"]
        failed = [p for p in payments["data"] if p["status"] == "failed"]
        check("active subscriptions match GET /v1/subscriptions", cell("active") == str(len(active["data"])) == "1", cell("active"))
        check("MRR is the plan's monthly price", cell("mrr") == "29.00 USD", cell("mrr"))
        check("payments over 30 days match GET /v1/payments", cell("payments") == f"{len(succeeded)} · 42.00 USD", cell("payments"))
        check("refunds and failed payments match", cell("refunds") == "1 · 10.00 USD" and cell("failed_payments") == str(len(failed)) == "1",
              (cell("refunds"), cell("failed_payments")))
        captions = [f.text for f in driver.find_elements(By.CSS_SELECTOR, "figure figcaption")]
        check("charts of MRR and of payments per day are drawn, 30 days each",
              captions == ["MRR at each day's end, USD, all apps", "Payments per day, USD, all apps"]
              and len(driver.find_elements(By.CSS_SELECTOR, "figure svg rect.bar")) == 60, captions)
        stamp = driver.find_element(By.CSS_SELECTOR, "time[datetime]")
        check("times are shown in the browser's time zone (by the page's script)", stamp.text != stamp.get_attribute("datetime")
              and stamp.get_attribute("title") == stamp.get_attribute("datetime"), (stamp.text, stamp.get_attribute("datetime")))

        # Find a customer, refund through the confirm step.
        navigate(driver, lambda: row.find_element(By.LINK_TEXT, "Trucking").click())
        search = driver.find_element(By.NAME, "q")
        search.send_keys("acme")
        navigate(driver, search.submit)
        shoot(driver, "customers")
        links = driver.find_elements(By.CSS_SELECTOR, "#customers a")
        check("a search by name finds the customer, and only them", [a.text for a in links] == ["org_42"], [a.text for a in links])
        navigate(driver, links[0].click)
        shoot(driver, "customer")
        check("the customer page shows the billing summary and the payment",
              driver.find_element(By.ID, "billing-status").text == "active" and payment_id in driver.page_source)
        navigate(driver, lambda: driver.find_element(By.CSS_SELECTOR, f"tr[data-payment='{payment_id}'] a").click())
        shoot(driver, "confirm-refund")
        check("refunding asks for confirmation first", "Refund payment" in driver.page_source and "/refund" in driver.current_url)
        driver.find_element(By.NAME, "amount").send_keys("500")
        navigate(driver, lambda: driver.find_element(By.CSS_SELECTOR, "button.danger").click())
        shoot(driver, "refunded")
        check("the refund is done", "5.00 USD" in driver.find_element(By.CSS_SELECTOR, ".notice").text, driver.page_source[-800:])
        _, payment = call(port, "GET", f"/v1/payments/{payment_id}", key)
        check("the API shows the refund", payment.get("amount_refunded") == 1500 and len(payment.get("refunds", [])) == 2, payment)
        _, audit = call(port, "GET", "/v1/audit-logs?action_type=CREATE_REFUND", key)
        check("the audit log records it, by admin", len(audit["data"]) == 2 and audit["data"][0]["actor_id"] == "admin", audit)
        navigate(driver, lambda: driver.find_element(By.LINK_TEXT, "Back").click())
        shoot(driver, "customer-after-refund")
        check("the customer page shows it", "CREATE_REFUND" in driver.page_source and "15.00 USD" in driver.page_source)

        # A dead delivery (planted: its schedule takes three days), retried through the confirm step.
        status, endpoint = call(port, "POST", "/v1/webhook-endpoints", key, {"url": "http://127.0.0.1:9/hooks", "events": ["customer.updated"]})
        call(port, "PUT", "/v1/customers/org_9", key, {"name": "Other Company"})
        delivery = None
        for _ in range(100):
            _, listed = call(port, "GET", "/v1/event-deliveries", key)
            if listed.get("data"):
                delivery = listed["data"][0]["id"]
                break
            time.sleep(0.1)
        connection = sqlite3.connect(database, timeout=5)
        connection.execute("UPDATE event_deliveries SET status = 'dead', attempts = 13, next_attempt_at = NULL WHERE id = ?", (delivery,))
        connection.commit()
        connection.close()
        driver.get(f"{base}/dashboard")
        dead = driver.find_element(By.CSS_SELECTOR, f"tr[data-app='{app_id}'] td[data-k='dead_deliveries']").text
        check("the overview counts the dead delivery, and the app's row stands out", dead == "1"
              and "attention" in driver.find_element(By.CSS_SELECTOR, f"tr[data-app='{app_id}']").get_attribute("class"), dead)
        navigate(driver, lambda: driver.find_element(By.LINK_TEXT, "Deliveries").click())
        shoot(driver, "deliveries")
        navigate(driver, lambda: driver.find_element(By.CSS_SELECTOR, f"tr[data-delivery='{delivery}'] a").click())
        shoot(driver, "confirm-retry")
        navigate(driver, lambda: driver.find_element(By.CSS_SELECTOR, "button.danger").click())
        shoot(driver, "retried")
        check("retrying asks first, then sends it again", "is pending" in driver.find_element(By.CSS_SELECTOR, ".notice").text)
        _, retried = call(port, "GET", f"/v1/event-deliveries/{delivery}", key)
        check("the API shows it pending again", retried.get("status") == "pending" and retried.get("attempts", 0) >= 13, retried)

        # Verify the chain, then tamper with a row and verify again.
        driver.get(f"{base}/dashboard/audit?app={app_id}")
        time.sleep(1.5)  # entries are sealed into the chain just after their commit
        navigate(driver, lambda: driver.find_element(By.XPATH, "//button[text()='Verify chain']").click())
        shoot(driver, "verified")
        check("verify: the chain is intact", "The chain verifies" in driver.find_element(By.ID, "verification").text,
              driver.find_element(By.ID, "verification").text)
        connection = sqlite3.connect(database, timeout=5)
        connection.execute("UPDATE audit_logs SET payload_snapshot = '{}' WHERE app_id = ? AND sequence = 2", (app_id,))
        connection.commit()
        connection.close()
        navigate(driver, lambda: driver.find_element(By.XPATH, "//button[text()='Verify chain']").click())
        shoot(driver, "verify-broken")
        text = driver.find_element(By.ID, "verification").text
        check("verify after tampering: the first broken link", "Broken at entry 2" in text, text)

        # A phone's width: the page does not overflow sideways (wide tables scroll in place).
        driver.set_window_size(390, 844)
        driver.get(f"{base}/dashboard")
        overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        shoot(driver, "overview-phone")
        check("the overview fits a phone's width", overflow <= 1, overflow)

        # Sign out: the dashboard asks for the token again.
        navigate(driver, lambda: driver.find_element(By.XPATH, "//button[text()='Sign out']").click())
        driver.get(f"{base}/dashboard")
        shoot(driver, "signed-out")
        check("signed out, and the dashboard refuses until signed in again", driver.current_url.endswith("/dashboard/sign-in"))
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
