"""The real-browser tier: the system Chromium, driven by Selenium, against the app served over HTTP on a free port.

One site per test session: a SQLite database of its own, migrated and loaded with the demo (`flask demo load`'s
firms, people, portfolio and public patents), provider staff with an authenticator app, served by a real WSGI server
in a thread. One browser per session: each person signs in once through the sign-in page (and its second step); their
cookies are kept, so a journey switches person by switching cookies.

Every step of a journey saves a screenshot under test-output/browser/<test>/ and runs axe-core (vendored, see
vendor/axe-core/VERSION) on the page; a test fails at its end if any page had a serious or critical violation.

The tier runs in the SQLite half of `make test` (the pages do not differ by database). It is skipped, saying why,
when Chromium or chromedriver is missing and could not be installed (`.ci/run` and `make test` install the Debian
packages `chromium` and `chromium-driver` when they can).
"""
from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
import pytest

from app.cli import DEMO_PASSWORD
from tests.conftest import BACKEND
from tests.resources import REPOSITORY

CHROMIUM = os.environ.get("CHROMIUM_BINARY") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
OUTPUT = Path(os.environ.get("BROWSER_OUTPUT_DIR", REPOSITORY / "test-output" / "browser"))
WIDTH, HEIGHT = 1280, 900
BLOCKING_IMPACTS = ("serious", "critical")


def _why_not() -> str | None:
    if BACKEND != "sqlite":
        return "the browser tier runs in the SQLite half of `make test` (TEST_DATABASE=sqlite)"
    if not CHROMIUM or not CHROMEDRIVER:
        return ("Chromium or chromedriver is not installed and could not be installed: run "
                "`apt-get install chromium chromium-driver` (`.ci/run` and `make test` try this themselves)")
    return None


def pytest_collection_modifyitems(config, items):
    reason = _why_not()
    if reason:
        for item in items:
            if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
                item.add_marker(pytest.mark.skip(reason=reason))


# --- The site ------------------------------------------------------------------------------------------

@dataclass
class Site:
    url: str
    app: object
    totp: dict[str, str]  # e-mail -> authenticator seed
    emails: dict[str, str]  # who -> e-mail


PEOPLE = {
    "acme_admin": "admin@acme.example", "acme_attorney": "attorney@acme.example",
    "acme_paralegal": "paralegal@acme.example", "borealis_attorney": "attorney@borealis.example",
    "provider_admin": "admin@provider.example", "specialist": "specialist@provider.example",
}


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    if _why_not():
        pytest.skip(_why_not())
    from flask_migrate import upgrade
    from sqlalchemy import select, update
    from werkzeug.serving import make_server

    from app import create_app
    from app.cli import load_demo_data
    from app.demo import load_demo_corpus
    from app.extensions import db
    from app.models import User
    from app.two_factor import TotpAuthenticator
    from tests.conftest import enrol_authenticator

    root = tmp_path_factory.mktemp("browser-site")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'site.sqlite3'}", "SEARCH_INDEX_DIR": str(root / "index"),
        "UPLOAD_DIR": str(root / "uploads"), "SECRET_KEY": secrets.token_hex(32), "REDIS_URL": None,
        "SHOW_ERROR_PAGES": True, "BASE_URL": "http://127.0.0.1",
        "MAIL_CAPTURE": True,  # development mail, never sent
    })
    totp = {}
    with app.app_context():
        upgrade(revision="heads")
        load_demo_data()
        load_demo_corpus()
        for email in (PEOPLE["provider_admin"], PEOPLE["specialist"]):
            user = db.session.execute(select(User).where(User.email == email)).scalar_one()
            totp[email] = enrol_authenticator(user)
        # Enrolment used this 30-second step's code; the sign-in a moment later may use it once more.
        db.session.execute(update(TotpAuthenticator).values(last_used_step=None))
        db.session.commit()
        db.session.remove()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request is noise here
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="browser-site", daemon=True)
    thread.start()
    yield Site(url=f"http://127.0.0.1:{server.server_port}", app=app, totp=totp, emails=PEOPLE)
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def driver(site):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={WIDTH},{HEIGHT}", "--lang=en-GB", "--disable-extensions",
                     "--no-first-run", "--password-store=basic", "--hide-scrollbars"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"credentials_enable_service": False,
                                              "profile.password_manager_enabled": False})
    browser = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    browser.set_page_load_timeout(60)
    browser.set_script_timeout(60)
    yield browser
    browser.quit()


@pytest.fixture(scope="session")
def identities():
    """Cookies of each person signed in so far, kept across the session's tests."""
    return {}


@pytest.fixture
def walk(site, driver, identities, request):
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
    directory = OUTPUT / name
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    journey = Journey(site, driver, identities, directory)
    yield journey
    call = getattr(request.node, "rep_call", None)
    if call is not None and call.failed:
        driver.save_screenshot(str(directory / "failure.png"))
        (directory / "failure.txt").write_text(f"{driver.current_url}\n\n{journey.text}", encoding="utf-8")
    journey.write_report()
    if call is not None and call.passed:
        journey.assert_accessible()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# --- Walking a journey ------------------------------------------------------------------------------------

@dataclass
class Journey:
    """A person's steps through the pages: visit, fill, press, and after each page a screenshot and axe-core."""

    site: Site
    driver: object
    identities: dict
    directory: Path
    steps: list[dict] = field(default_factory=list)
    who: str | None = None

    # Navigation --------------------------------------------------------------------------------------
    def go(self, path: str, step: str | None = None):
        self.driver.get(self.site.url + path)
        if step:
            self.step(step)

    @property
    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.site.url)

    @property
    def text(self) -> str:
        return self.driver.find_element("tag name", "body").text

    def find(self, css: str):
        return self.driver.find_element("css selector", css)

    def find_all(self, css: str):
        return self.driver.find_elements("css selector", css)

    def button(self, label: str, within: str = "main"):
        """The button (or link styled as one) whose visible text contains label."""
        for element in self.driver.find_elements("css selector", f"{within} button, {within} a.button, "
                                                                  f"{within} input[type=submit]"):
            if label in (element.text or element.get_attribute("value") or "") and element.is_displayed():
                return element
        raise AssertionError(f"no button '{label}' on {self.path}")

    def fill(self, css: str, value: str):
        element = self.find(css)
        tag = element.tag_name.lower()
        if tag == "select":
            from selenium.webdriver.support.ui import Select
            chooser = Select(element)
            try:
                chooser.select_by_value(value)
            except Exception:
                chooser.select_by_visible_text(value)
        elif element.get_attribute("type") == "date":
            # Chromium's date input takes the digits in the locale's order; set it as a script would.
            self.driver.execute_script("arguments[0].value = arguments[1];", element, value)
        else:
            element.clear()
            element.send_keys(value)
        return element

    def press(self, element, step: str | None = None, accept_confirm: bool = True):
        """Click something that loads a new page and wait for it."""
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait

        old = self.driver.find_element("tag name", "html")
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()
        if accept_confirm:
            try:
                WebDriverWait(self.driver, 0.5).until(expected_conditions.alert_is_present()).accept()
            except Exception:
                pass
        WebDriverWait(self.driver, 30).until(expected_conditions.staleness_of(old))
        WebDriverWait(self.driver, 30).until(
            lambda d: d.execute_script("return document.readyState") == "complete")
        if step:
            self.step(step)

    def wait_for_text(self, text: str, timeout: float = 30, reload_every: float | None = None):
        deadline = time.monotonic() + timeout
        while text not in self.text:
            if time.monotonic() > deadline:
                raise AssertionError(f"'{text}' did not appear on {self.path}")
            time.sleep(0.3)
            if reload_every:
                self.driver.refresh()

    # People ----------------------------------------------------------------------------------------------
    def as_(self, who: str, firm: str | None = None):
        """Continue as this person (signing in once through the pages), optionally working in a firm."""
        self.driver.get(self.site.url + "/static/app.css")  # a page of the site, to set its cookies on
        self.driver.delete_all_cookies()
        if who in self.identities:
            for cookie in self.identities[who]:
                self.driver.add_cookie(cookie)
        else:
            self._sign_in(who)
            self.identities[who] = self.driver.get_cookies()
        self.who = who
        if firm:
            self.go("/")
            from selenium.webdriver.support.ui import Select
            switch = self.driver.find_elements("css selector", "#tenant-switch")
            if switch and Select(switch[0]).first_selected_option.text != firm:
                old = self.driver.find_element("tag name", "html")
                Select(switch[0]).select_by_visible_text(firm)
                from selenium.webdriver.support import expected_conditions
                from selenium.webdriver.support.ui import WebDriverWait
                WebDriverWait(self.driver, 30).until(expected_conditions.staleness_of(old))
                self.identities[who] = self.driver.get_cookies()

    def _sign_in(self, who: str):
        from selenium.webdriver.support.ui import WebDriverWait

        email = self.site.emails[who]
        for attempt in range(3):  # a busy machine may answer the first load slowly; look again before failing
            self.go("/login")
            try:
                WebDriverWait(self.driver, 10).until(
                    lambda d: d.find_elements("css selector", "#email"))
                break
            except Exception as missing:
                if attempt == 2:
                    raise AssertionError(f"no sign-in form at {self.driver.current_url}: {self.text[:500]}") \
                        from missing
        self.fill("#email", email)
        self.fill("#password", DEMO_PASSWORD)
        if not self.steps:
            self.step(f"the sign-in page, filled in by {who}")
        self.press(self.button("Sign in"))
        if self.path.startswith("/login/second-factor"):
            self.fill("#code", pyotp.TOTP(self.site.totp[email]).now())
            self.press(self.button("Continue"))
        assert not self.path.startswith("/login"), f"{who} could not sign in: {self.text[:300]}"

    # Evidence ------------------------------------------------------------------------------------------
    def step(self, name: str):
        """Screenshot the page as a person sees it (full height) and run axe-core on it."""
        number = len(self.steps) + 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60]
        shot = self.directory / f"{number:02d}-{slug}.png"
        height = self.driver.execute_script(
            "return Math.min(Math.max(document.body.scrollHeight, document.documentElement.scrollHeight), 4000)")
        self.driver.set_window_size(WIDTH, max(HEIGHT, height + 120))
        self.driver.execute_script("window.scrollTo(0, 0);")  # the whole page is in view; start at its top
        self.driver.save_screenshot(str(shot))
        self.driver.set_window_size(WIDTH, HEIGHT)
        violations = self.axe()
        self.steps.append({"step": number, "name": name, "who": self.who, "path": self.path,
                           "title": self.driver.title, "screenshot": shot.name, "violations": violations})
        return violations

    def axe(self) -> list[dict]:
        if not self.driver.execute_script("return typeof window.axe !== 'undefined'"):
            self.driver.execute_script(AXE_SOURCE)
        return self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            axe.run(document, {resultTypes: ['violations']}).then(result => done(result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '')
                                               .replace(/\\s+/g, ' ').slice(0, 200))}))),
                error => done([{id: 'axe-error', impact: 'critical', help: String(error), nodes: []}]));
        """)

    def write_report(self):
        (self.directory / "steps.json").write_text(json.dumps(self.steps, indent=2), encoding="utf-8")

    def assert_accessible(self):
        blocking = [f"step {s['step']} ({s['name']}, {s['path']}): {v['impact']} {v['id']}: {v['help']} "
                    f"{v['nodes']}" for s in self.steps for v in s["violations"] if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, "axe-core found serious or critical violations:\n" + "\n".join(blocking)
