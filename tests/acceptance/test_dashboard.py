"""The dashboard in a real headless Chromium against a real server: sign-in, live updates from the
event stream, filtering, the timeline, a confirmed admin action, sign-out; screenshots kept under
the test's tmp directory (``OPENCFW_SCREENSHOTS=<dir>`` copies them there too)."""

from __future__ import annotations

import os
import shutil

import pytest

from tests import browser
from tests.acceptance import sdk
from tests.acceptance.server import PASSWORD, PROJECT

ADMIN_TOKEN = "dashboard-admin-token"
#: every wait for the page is bounded; live updates arrive well within it
WAIT_MS = 15_000


@pytest.fixture(scope="module")
def chromium():
    """One headless Debian Chromium for the module (skipped, or failed in CI, when missing)."""
    browser.require()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=browser.CHROMIUM, args=browser.ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def shots(tmp_path):
    """Save a page's screenshot under the test's tmp dir (and OPENCFW_SCREENSHOTS, if set)."""
    folder = tmp_path / "screenshots"
    folder.mkdir()

    def save(page, name: str) -> None:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        extra = os.environ.get("OPENCFW_SCREENSHOTS")
        if extra:
            os.makedirs(extra, exist_ok=True)
            shutil.copy(path, os.path.join(extra, path.name))

    return save


def open_page(chromium, srv, **options):
    """A fresh browser context on the dashboard that records every URL the page asks for."""
    context = chromium.new_context(**{"viewport": {"width": 1280, "height": 900}, **options})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{srv.url}/_opencfw/ui")
    return context, page, asked


def sign_in_with_password(page) -> None:
    page.get_by_label("Project (id or name)", exact=True).fill(PROJECT)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password", exact=True).press("Enter")  # the keyboard submits the form
    page.locator("#dashboard").wait_for(state="visible")


def job_row(page, name: str):
    return page.locator("#jobs tbody tr", has_text=name)


def test_live_dashboard_in_chromium(chromium, spawn, shots):
    """Signed in with the password, a firewall created through the SDK appears and its task goes
    from Running to Success without a reload; filters, the timeline, phone width and dark mode
    work; sign-out returns to the sign-in form and the cookie no longer opens the API."""
    from playwright.sync_api import expect

    srv = spawn(provision_seconds="3", admin_token=ADMIN_TOKEN)
    context, page, asked = open_page(chromium, srv)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shots(page, "sign-in")
    sign_in_with_password(page)
    cookie = next(c for c in context.cookies() if c["name"] == "opencfw_ui")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""  # not readable by scripts
    expect(page.locator("#live")).to_have_text("Live")
    page.evaluate("window.notReloaded = true")

    cfw = sdk.client(srv.url)
    cfw.create_firewall(sdk.create_request("web-edge", {"team": "blue"}))
    cfw.create_firewall(sdk.create_request("doomed", {"opencfw:fail-at": "configure"}))
    expect(page.locator("#firewalls tbody tr", has_text="web-edge")).to_contain_text("Creating")
    expect(job_row(page, "web-edge")).to_contain_text("Running")
    shots(page, "running")
    expect(job_row(page, "web-edge")).to_contain_text("Success")
    expect(page.locator("#firewalls tbody tr", has_text="web-edge")).to_contain_text("Running")
    expect(job_row(page, "doomed")).to_contain_text("Failed")
    expect(job_row(page, "doomed")).to_contain_text("configure")
    assert page.evaluate("window.notReloaded") is True  # all of it arrived live

    page.get_by_label("Status").nth(1).select_option("Failed")
    expect(page.locator("#jobs tbody tr")).to_have_count(1)
    expect(job_row(page, "doomed")).to_be_visible()
    page.get_by_label("Status").nth(0).select_option("Create failed")
    expect(page.locator("#firewalls tbody tr")).to_have_count(1)
    page.get_by_label("Status").nth(0).select_option("")
    page.get_by_label("Status").nth(1).select_option("")
    expect(page.locator("#jobs tbody tr")).to_have_count(2)

    job_row(page, "doomed").get_by_role("button", name="Timeline").click()
    lanes = page.locator("#tl-chart .lane")
    expect(lanes).to_have_count(5)
    expect(page.locator('#tl-chart .lane[data-step="configure"]')).to_have_attribute("data-status", "failed")
    expect(page.locator('#tl-chart .lane[data-step="activate"]')).to_have_attribute("data-status", "pending")
    shots(page, "dashboard")

    page.set_viewport_size({"width": 390, "height": 844})
    shots(page, "phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.emulate_media(color_scheme="dark")
    shots(page, "dark")
    page.emulate_media(color_scheme="light")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert not [c for c in context.cookies() if c["name"] == "opencfw_ui"]
    reply = page.request.get(
        f"{srv.url}/_opencfw/ui/api/firewalls", headers={"cookie": f"opencfw_ui={cookie['value']}"}
    )
    assert reply.status == 401
    assert all(url.startswith(srv.url) for url in asked), [u for u in asked if not u.startswith(srv.url)]
    context.close()


def test_admin_action_behind_a_confirmation(chromium, spawn, shots):
    """Signed in with the admin token, cancelling the dialog changes nothing; confirming fails the
    running task, which the page shows at once; a step stalled by pausing the engine stands out
    on the timeline; a password session has no action buttons."""
    from playwright.sync_api import expect

    srv = spawn(provision_seconds="60", admin_token=ADMIN_TOKEN)
    cfw = sdk.client(srv.url)
    cfw.create_firewall(sdk.create_request("slow-one"))
    context, page, _ = open_page(chromium, srv)
    page.get_by_label("the admin token").check()
    page.get_by_label("Admin token", exact=True).fill(ADMIN_TOKEN)
    page.get_by_label("Project (id or name)", exact=True).fill(PROJECT)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#engine-state")).to_have_text("running")
    row = job_row(page, "slow-one")
    expect(row).to_contain_text("Running")

    row.get_by_role("button", name="Fail").click()
    dialog = page.locator("dialog#confirm")
    expect(dialog).to_be_visible()
    shots(page, "confirm")
    page.keyboard.press("Escape")  # the keyboard cancels
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("Running")

    row.get_by_role("button", name="Fail").click()
    dialog.get_by_role("button", name="Fail task").click()
    expect(row).to_contain_text("Failed")
    expect(row).to_contain_text("Failed from the dashboard")
    assert sdk.wait_job(cfw, row.get_attribute("data-id"), timeout=1) == "Failed"

    # a paused engine stalls a new task's first step: the timeline shows it growing past its plan
    page.get_by_role("button", name="Pause engine").click()
    dialog.get_by_role("button", name="Pause").click()
    expect(page.locator("#engine-state")).to_have_text("paused")
    cfw.create_firewall(sdk.create_request("stalled", {"opencfw:duration": "1s"}))
    job_row(page, "stalled").get_by_role("button", name="Timeline").click()
    expect(page.locator('#tl-chart .lane[data-step="validate"]')).to_have_attribute("data-status", "slow")
    shots(page, "slow-step")
    page.get_by_role("button", name="Resume engine").click()
    dialog.get_by_role("button", name="Resume").click()
    expect(page.locator("#engine-state")).to_have_text("running")
    expect(job_row(page, "stalled")).to_contain_text("Success")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    page.get_by_label("the project's user and password").check()
    sign_in_with_password(page)
    expect(row).to_contain_text("Failed")
    expect(page.locator("#admin")).to_be_hidden()
    expect(page.get_by_role("button", name="Fail")).to_have_count(0)
    context.close()


def sign_in_as_admin(page) -> None:
    page.get_by_label("the admin token").check()
    page.get_by_label("Admin token", exact=True).fill(ADMIN_TOKEN)
    page.get_by_label("Project (id or name)", exact=True).fill(PROJECT)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#dashboard").wait_for(state="visible")


def test_the_page_speaks_of_names_and_plans(chromium, spawn, shots):
    """What a new user met: a 10-minute task's timeline ends at 10 min while its first step runs;
    a ready firewall and a running task wear different badges; the header, the timeline and the
    dialogs name things as the tables do, also the tasks of a deleted firewall; rows open the
    timeline; phone cards show no empty labels; "Signed out." is news, not an error; the page has
    an icon."""
    from playwright.sync_api import expect

    srv = spawn(provision_seconds="3", admin_token=ADMIN_TOKEN)
    cfw = sdk.client(srv.url)
    long_id = cfw.create_firewall(sdk.create_request("long-haul", {"opencfw:duration": "10m"})).job_id
    ready_id = cfw.create_firewall(sdk.create_request("ready", {"opencfw:duration": "0"})).job_id
    gone_id = cfw.create_firewall(sdk.create_request("short-lived", {"opencfw:duration": "0"})).job_id
    assert sdk.wait_job(cfw, gone_id) == "Success" and sdk.wait_job(cfw, ready_id) == "Success"
    deletion = cfw.delete_firewall(sdk.DeleteFirewallRequest(resource_id=gone_id)).data
    assert sdk.wait_job(cfw, deletion) == "Success"

    context, page, _ = open_page(chromium, srv)
    sign_in_as_admin(page)
    expect(page.locator("#who")).to_have_text("Project cn-north-4 · admin")
    # the deleted firewall's tasks still name it
    expect(job_row(page, "delete short-lived")).to_contain_text("Success")
    expect(job_row(page, "create short-lived")).to_contain_text("Success")
    expect(page.locator("#jobs tbody")).not_to_contain_text(gone_id)

    # a firewall that is ready and a task in progress: both "Running", not the same badge
    fw_badge = page.locator("#firewalls tbody tr", has_text="ready").locator(".badge")
    task_badge = job_row(page, "create long-haul").locator(".badge")
    expect(fw_badge).to_have_text("Running")
    expect(task_badge).to_have_text("Running")
    looks = "(b) => [getComputedStyle(b).backgroundColor, getComputedStyle(b, '::before').content]"
    assert fw_badge.evaluate(looks) != task_badge.evaluate(looks)

    # a click on the row (not only the button) opens the timeline, named as in the table
    job_row(page, "create long-haul").locator("td").first.click()
    expect(page.locator("#tl-job")).to_have_text("create long-haul · Running")
    expect(page.locator("#tl-chart .axis span").last).to_have_text("10 min 0 s")
    last = page.locator('#tl-chart .lane[data-step="activate"] .seg')
    right = last.evaluate("(s) => parseFloat(s.style.left) + parseFloat(s.style.width)")
    assert abs(right - 100) < 0.5, right  # the plan's last step ends where the axis does
    expect(page.locator('#tl-chart .lane[data-step="validate"] .seg.left')).to_have_count(1)
    shots(page, "ten-minute-plan")
    page.locator("#firewalls tbody tr", has_text="ready").locator("td").first.click()
    expect(page.locator("#tl-job")).to_have_text("create ready · Success")
    page.locator("#firewalls tbody tr", has_text="long-haul").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#tl-job")).to_have_text("create long-haul · Running")

    job_row(page, "create long-haul").get_by_role("button", name="Fail").click()
    expect(page.locator("#confirm-text")).to_contain_text("create long-haul")
    expect(page.locator("#confirm-text")).not_to_contain_text(long_id)
    page.keyboard.press("Escape")

    page.set_viewport_size({"width": 390, "height": 844})
    blank = page.evaluate(
        """() => [...document.querySelectorAll('td[data-label]')]
            .filter((td) => td.offsetParent !== null && !td.textContent.trim())
            .map((td) => td.dataset.label)"""
    )
    assert blank == []
    shots(page, "phone-cards")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#sign-in-note")).to_have_text("Signed out.")
    expect(page.locator("#sign-in-error")).to_be_hidden()
    color = page.locator("#sign-in-note").evaluate("(n) => getComputedStyle(n).color")
    error = page.locator("#sign-in-error").evaluate("(n) => getComputedStyle(n).color")
    assert color != error
    shots(page, "signed-out")
    for path in ("/favicon.ico", "/_opencfw/ui/favicon.ico"):
        reply = page.request.get(f"{srv.url}{path}")
        assert reply.status == 200 and reply.headers["content-type"] == "image/x-icon"
        assert reply.body()[:4] == b"\x00\x00\x01\x00"
    assert page.locator('link[rel="icon"]').get_attribute("href") == "/_opencfw/ui/favicon.ico"
    context.close()


def test_the_firewall_list_is_paged(chromium, spawn, shots):
    """With 130 firewalls the page shows 100 and the total, Next shows the other 30, Previous goes
    back; the status filter asks the server and starts again at the first page."""
    from playwright.sync_api import expect

    srv = spawn(provision_seconds="600")
    cfw = sdk.client(srv.url)
    for i in range(130):
        cfw.create_firewall(sdk.create_request(f"fw-{i:03d}"))
    context, page, _ = open_page(chromium, srv)
    sign_in_with_password(page)
    rows = page.locator("#firewalls tbody tr")
    expect(rows).to_have_count(100)
    expect(page.locator("#fw-count")).to_have_text("(130)")
    expect(page.locator("#fw-range")).to_have_text("1\u2013100 of 130")
    expect(page.get_by_role("button", name="Previous")).to_be_disabled()
    page.get_by_role("button", name="Next").click()
    expect(rows).to_have_count(30)
    expect(page.locator("#fw-range")).to_have_text("101\u2013130 of 130")
    expect(page.get_by_role("button", name="Next")).to_be_disabled()
    shots(page, "firewall-pages")
    page.get_by_role("button", name="Previous").click()
    expect(rows).to_have_count(100)
    page.get_by_label("Status").nth(0).select_option("Running")
    expect(rows).to_have_count(0)
    expect(page.locator("#fw-count")).to_have_text("(0)")
    expect(page.locator("#fw-pager")).to_be_hidden()
    page.get_by_label("Status").nth(0).select_option("Creating")
    expect(rows).to_have_count(100)
    expect(page.locator("#fw-range")).to_have_text("1\u2013100 of 130")
    context.close()
