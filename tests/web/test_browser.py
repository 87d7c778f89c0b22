"""The web client in a real browser (Debian's Chromium driven by Playwright).

The app runs in a real uvicorn server on a free port in this test's event loop, on its own
PostgreSQL database. Screenshots of every page at 360 px and 1280 px go to
tests/web/screenshots/ for a person to look at.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from msgspec.structs import replace
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from tasks_service.app import create_app
from tasks_service.settings import Settings
from tests.harness import API, PASSWORD

pytestmark = pytest.mark.postgres_only

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
MARKDOWN = b"# Welcome\n\nHello **world**, nice to meet you.\n\nThanks for reading.\n"
REASON = "Please translate the words only, without any code."


@pytest.fixture
async def server(settings: Settings, engine: object) -> AsyncIterator[str]:
    async with serving(settings) as url:
        yield url


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[str]:
    """The whole service behind uvicorn on a free port; stopped (lifespan and all) after."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings), lifespan="on", log_level="warning", timeout_graceful_shutdown=2
    )
    uv = uvicorn.Server(config)
    serving = asyncio.create_task(uv.serve(sockets=[sock]))
    while not uv.started:
        if serving.done():
            serving.result()
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        await serving
        sock.close()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


# Controls (shown ones) without a label, and touch targets under 44 px, on the page.
AUDIT = """() => {
  const shown = (el) => el.getClientRects().length > 0;
  const controls = [...document.querySelectorAll(
    "input:not([type=hidden]), textarea, select, button")].filter(shown);
  const unlabelled = controls.filter((el) => !(el.labels && el.labels.length)
    && !el.getAttribute("aria-label") && !el.textContent.trim()).map((el) => el.outerHTML);
  const targets = [...document.querySelectorAll(
    "button, .btn, input:not([type=hidden]):not([type=radio]), select, textarea, " +
    "nav a, summary")].filter(shown);
  const small = targets.filter((el) => el.getBoundingClientRect().height < 43.5)
    .map((el) => el.outerHTML.slice(0, 80));
  const wide = document.documentElement.scrollWidth > window.innerWidth;
  return {unlabelled, small, wide};
}"""


async def shoot(page: Page, name: str) -> None:
    """The page as it is now, at phone and desktop width, after checking at phone width that
    every control is labelled, touch targets are 44 px and nothing overflows sideways."""
    SHOTS.mkdir(exist_ok=True)
    size = page.viewport_size
    for viewport in (PHONE, DESKTOP):
        await page.set_viewport_size(viewport)
        if viewport is PHONE:
            audit = await page.evaluate(AUDIT)
            assert audit == {"unlabelled": [], "small": [], "wide": False}, (name, audit)
        await page.screenshot(path=SHOTS / f"{name}-{viewport['width']}.png", full_page=True)
    if size is not None:
        await page.set_viewport_size(size)


async def person(browser: Browser, base_url: str, viewport: dict[str, int]) -> Page:
    phone = viewport["width"] < 600
    context: BrowserContext = await browser.new_context(
        base_url=base_url,
        viewport=viewport,  # type: ignore[arg-type]
        is_mobile=phone,
        has_touch=phone,
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    return await context.new_page()


async def sign_up(page: Page, username: str, shot: str | None = None) -> None:
    await page.goto("/signup")
    if shot:
        await shoot(page, shot)
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_label("Languages you read and write").fill("en, fr")
    await page.get_by_role("button", name="Create account").click()
    await expect(page.get_by_role("heading", name=f"Hello, {username}")).to_be_visible()


async def answer(page: Page, text: str, *, keyboard: bool = False) -> None:
    field = page.get_by_label("Your translation")
    await field.fill(text)
    if keyboard:
        await field.press("Control+Enter")
    else:
        await page.get_by_role("button", name="Submit").click()


async def source_of(page: Page) -> str:
    await expect(page).to_have_url(re.compile(r"/tasks/\d+"))
    return await page.locator("#source").inner_text()


async def open_from_the_phone_menu(page: Page, link: str) -> None:
    """The header's menu by keyboard (Enter opens, Esc closes and gives the focus back), then
    by tap, and the link in it; the header stays one line high on a phone."""
    menu = page.get_by_role("button", name="Menu")
    item = page.get_by_role("link", name=link, exact=True)
    await expect(menu).to_have_attribute("aria-expanded", "false")
    await expect(item).to_be_hidden()
    await menu.focus()
    await page.keyboard.press("Enter")
    await expect(menu).to_have_attribute("aria-expanded", "true")
    await expect(item).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(menu).to_have_attribute("aria-expanded", "false")
    await expect(menu).to_be_focused()
    await expect(item).to_be_hidden()
    await menu.tap()
    await expect(item).to_be_visible()
    await shoot(page, "menu-open")
    await item.tap()
    header = await page.locator("header.top").bounding_box()
    assert header is not None and header["height"] <= 48, header
    await expect(page.get_by_role("button", name="Next task")).to_be_visible()


async def review_everything(
    owner: Page, *, reject_containing: str | None = None, keys: bool = False
) -> int:
    """Approve what is waiting, rejecting (with the reason, by keyboard) the answer to one
    source; with ``keys`` the first approval is by keyboard too."""
    await owner.goto("/review")
    await owner.get_by_role("button", name="Review next answer").click()
    reviewed = 0
    while "/review/" in owner.url:
        shown = owner.url
        source = await owner.locator("figure.source blockquote").first.inner_text()
        if reject_containing and reject_containing in source:
            answer_text = owner.locator(".answer-text").first
            await expect(answer_text).to_contain_text("<script>")  # shown, not run
            assert await owner.evaluate("window.pwned") is None
            await shoot(owner, "review")
            # Keys: R opens the reason and puts the caret there; Ctrl+Enter rejects.
            await owner.keyboard.press("r")
            reason = owner.get_by_label("Reason, shown to the author")
            await expect(reason).to_be_focused()
            await owner.keyboard.type(REASON)  # "a", "r", "e" typed here stay text
            await expect(reason).to_have_value(REASON)
            await shoot(owner, "review-reject-open")  # the toggle's marker turned down
            await owner.keyboard.press("Control+Enter")
        elif keys:
            keys = False  # once is enough
            await expect(owner.locator("#review-keys")).to_be_visible()
            # E opens the correction; A does nothing while typing there, and approves after.
            await owner.keyboard.press("e")
            corrected = owner.get_by_label("Corrected text")
            await expect(corrected).to_be_focused()
            before = await corrected.input_value()
            await owner.keyboard.press("a")
            await expect(corrected).to_have_value(before + "a")
            await corrected.fill(before)
            await owner.evaluate("document.activeElement.blur()")
            await owner.keyboard.press("a")
        else:
            await owner.get_by_role("button", name="Approve answer 1").click()
        reviewed += 1
        await owner.wait_for_url(lambda url, left=shown: url != left)
    await expect(owner.get_by_role("status")).to_contain_text("Verdict recorded")
    return reviewed


async def test_owner_volunteers_and_reviewer_in_a_real_browser(
    server: str, browser: Browser
) -> None:
    # The owner creates a project and uploads a job; the page shows the upload, then the split.
    owner = await person(browser, server, DESKTOP)
    await sign_up(owner, "olga", shot="signup")
    await owner.get_by_role("link", name="Projects").click()
    await owner.get_by_label("Name", exact=True).fill("Website")
    await owner.get_by_role("button", name="Create project").click()
    await expect(owner).to_have_url(re.compile(r"/projects/\d+$"))
    await owner.get_by_label("File").set_input_files(
        {"name": "welcome.md", "mimeType": "text/markdown", "buffer": MARKDOWN}
    )
    await owner.get_by_label("Title").fill("Welcome page")
    await owner.get_by_label("Instructions for volunteers").fill("Friendly, informal French.")
    await shoot(owner, "project-upload")
    await owner.get_by_role("button", name="Upload").click()
    # Both bars are full and the split is reported for a moment before the job page opens:
    # checked on every animation frame so that moment is not missed.
    await owner.wait_for_function(
        f"""() => document.getElementById("upload-progress")?.value === 100
            && document.getElementById("split-progress")?.value === 100
            && /^Split into 3 tasks in \\d+ s\\.$/.test(
                   document.querySelector("[data-upload-message]")?.textContent)
            && document.querySelector("[data-upload-size]")?.textContent
               === "welcome.md, {len(MARKDOWN)} bytes" """,
        polling="raf",
    )
    await owner.wait_for_url(re.compile(r"/jobs/\d+$"))
    job_url = owner.url
    await expect(owner.locator("[data-job-status]")).to_have_text("open")
    await expect(owner.get_by_text("0 of 3 tasks accepted")).to_be_visible()

    # Vera, on a phone: submits with Ctrl+Enter, skips with Esc, submits with the button.
    vera = await person(browser, server, PHONE)
    await sign_up(vera, "vera", shot="home-new")
    await vera.get_by_role("button", name="Next task").click()
    assert await source_of(vera) == "Welcome"
    await shoot(vera, "task")
    await answer(vera, "Bienvenue", keyboard=True)
    await expect(vera.get_by_role("status")).to_contain_text("Here is the next task")
    assert await source_of(vera) == "Hello <1>world</1>, nice to meet you."
    await vera.keyboard.press("Escape")
    await expect(vera.get_by_role("status")).to_contain_text("Skipped")
    assert await source_of(vera) == "Thanks for reading."
    await answer(vera, "Merci de votre lecture <script>window.pwned = 1</script>")
    await expect(vera.get_by_role("status")).to_contain_text("Nothing else fits you")

    # Wim, on a phone: a check error shows by the field; placeholder chips fix it.
    wim = await person(browser, server, PHONE)
    await sign_up(wim, "wim")
    await wim.get_by_role("button", name="Next task").click()
    assert await source_of(wim) == "Hello <1>world</1>, nice to meet you."
    await answer(wim, "Bonjour le monde, enchanté.")
    await expect(wim.locator("#answer-error")).to_contain_text("refused")
    await expect(wim.get_by_label("Your translation")).to_have_attribute("aria-invalid", "true")
    await shoot(wim, "task-error")
    field = wim.get_by_label("Your translation")
    await field.fill("Bonjour ")
    await wim.locator('.chip[data-token="<1>"]').tap()
    await wim.keyboard.type("le monde")
    await wim.locator('.chip[data-token="</1>"]').tap()
    await wim.keyboard.type(", enchanté.")
    await expect(field).to_have_value("Bonjour <1>le monde</1>, enchanté.")
    await wim.get_by_role("button", name="Submit").click()
    await expect(wim.get_by_role("status")).to_contain_text("Nothing else fits you")

    # The owner takes a review and gives it back unreviewed; it waits for the next reviewer.
    await owner.goto("/review")
    await owner.get_by_role("button", name="Review next answer").click()
    await expect(owner).to_have_url(re.compile(r"/review/\d+$"))
    await owner.get_by_role("button", name="Give back").click()
    await expect(owner.get_by_role("status")).to_contain_text("Given back unreviewed")
    await expect(owner.get_by_role("button", name="Menu")).to_be_hidden()  # full nav here

    # The owner reviews: approves two, rejects Vera's last answer with a reason.
    assert await review_everything(owner, reject_containing="Thanks", keys=True) == 3

    # Vera sees the outcome and the reason.
    await open_from_the_phone_menu(vera, "My answers")
    rejected = vera.locator("li.submission", has_text="rejected")
    await expect(rejected).to_contain_text(REASON)
    await expect(rejected).to_contain_text("<script>window.pwned = 1</script>")
    assert await vera.evaluate("window.pwned") is None
    await shoot(vera, "submissions")

    # The task went back to the pool: Wim answers it, the owner approves, the job completes.
    await wim.goto("/")
    await wim.get_by_role("button", name="Next task").click()
    assert await source_of(wim) == "Thanks for reading."
    await answer(wim, "Merci de votre lecture.")
    assert await review_everything(owner) == 1
    await owner.goto(job_url)
    for _ in range(50):
        if await owner.locator("[data-job-status]").inner_text() == "complete":
            break
        await asyncio.sleep(0.2)
        await owner.reload()
    await expect(owner.locator("[data-job-status]")).to_have_text("complete")
    await expect(owner.get_by_text("3 of 3 tasks accepted")).to_be_visible()
    await expect(owner.locator("table")).to_contain_text("wim")
    await shoot(owner, "job-complete")

    # The owner downloads the finished result and the credits.
    async with owner.expect_download() as result:
        await owner.get_by_role("link", name="Result", exact=True).click()
    document = Path(await (await result.value).path()).read_text()
    assert document == (
        "# Bienvenue\n\nBonjour **le monde**, enchanté.\n\nMerci de votre lecture.\n"
    )
    async with owner.expect_download() as credits:
        await owner.get_by_role("link", name="Credits").click()
    trailers = Path(await (await credits.value).path()).read_text().splitlines()
    assert {line.split(" <")[0] for line in trailers} >= {
        "Co-authored-by: vera",
        "Co-authored-by: wim",
    }

    # The rest of the pages, for the screenshots (and that each renders).
    await vera.goto("/")
    await expect(vera.get_by_role("heading", name="Where your work went")).to_be_visible()
    await expect(vera.get_by_role("link", name="Welcome page")).to_be_visible()
    await shoot(vera, "home-volunteer")
    for name, path, heading in (
        ("profile", "/profile", "Your profile"),
        ("levels", "/levels", "Levels and what they unlock"),
        ("leaderboard", "/leaderboard", "Leaderboard"),
        ("contributor", "/contributors/wim", "wim"),
        ("not-found", "/no/such/page", "Not Found"),
    ):
        await vera.goto(path)
        await expect(vera.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        await shoot(vera, name)
    await owner.goto("/projects")
    await shoot(owner, "projects")
    await owner.get_by_role("link", name="Website").click()
    await shoot(owner, "project-jobs")
    await owner.get_by_role("link", name="Reviewers").click()
    await owner.get_by_label("Username").fill("vera")
    await owner.get_by_role("button", name="Add reviewer").click()
    await expect(owner.get_by_role("status")).to_contain_text("Reviewer added")
    await expect(owner.get_by_role("button", name="Remove vera")).to_be_visible()
    await shoot(owner, "reviewers")
    await vera.goto("/review")
    await expect(vera.get_by_role("button", name="Review next answer")).to_be_visible()
    await shoot(vera, "review-start")
    visitor = await person(browser, server, PHONE)
    for name, path in (("landing", "/"), ("signin", "/signin")):
        await visitor.goto(path)
        await shoot(visitor, name)


async def test_typing_keeps_a_short_lease_alive(server: str, browser: Browser) -> None:
    """A 6 s lease outlives 8 s of typing: the page extends it (the reaper runs every 0.2 s)."""
    async with httpx.AsyncClient(base_url=f"{server}{API}") as client:
        await client.post("/accounts", json={"username": "olga", "password": PASSWORD})
        token = await client.post("/auth/tokens", json={"username": "olga", "password": PASSWORD})
        owner = {"Authorization": f"Bearer {token.json()['token']}"}
        project = await client.post("/projects", json={"name": "Short"}, headers=owner)
        spec = {"title": "Quick", "kind": "translate", "source_language": "en"}
        upload = await client.post(
            f"/projects/{project.json()['id']}/jobs",
            files={"file": ("quick.txt", b"Hurry up.\n", "text/plain")},
            data={"spec": json.dumps({**spec, "target_language": "fr", "lease_seconds": 6})},
            headers=owner,
        )
        assert upload.status_code == 202, upload.text
        for _ in range(100):
            job = await client.get(f"/jobs/{upload.json()['id']}", headers=owner)
            if job.json()["status"] != "splitting":
                break
            await asyncio.sleep(0.1)

        tia = await person(browser, server, PHONE)
        await sign_up(tia, "tia")
        await tia.get_by_role("button", name="Next task").click()
        assert await source_of(tia) == "Hurry up."
        field = tia.get_by_label("Your translation")
        for letter in "Dépêche-toi.":
            await field.press_sequentially(letter)
            await asyncio.sleep(0.7)
        cookie = next(c for c in await tia.context.cookies() if c["name"] == "ts_session")
        leases = await client.get(
            "/me/assignments", headers={"Authorization": f"Bearer {cookie['value']}"}
        )
        (lease,) = leases.json()
        assert lease["state"] == "active" and lease["lease_seconds_left"] > 0
        await tia.get_by_role("button", name="Submit").click()
        await expect(tia.get_by_role("status")).to_contain_text("Nothing else fits you")


async def test_a_refused_upload_and_a_failed_split_say_why_by_the_bars(
    settings: Settings, engine: object, browser: Browser
) -> None:
    """A broken PO file is refused at upload; one too big for MAX_TASKS_PER_JOB uploads, then
    its split fails, and the job's reason shows next to the split bar with the time it took."""
    messages = "".join(f'msgid "Message {n}"\nmsgstr ""\n\n' for n in range(3))
    async with serving(replace(settings, max_tasks_per_job=2)) as url:
        owner = await person(browser, url, PHONE)
        await sign_up(owner, "olga")
        await owner.goto("/projects")
        await owner.get_by_label("Name", exact=True).fill("App")
        await owner.get_by_role("button", name="Create project").click()
        await expect(owner).to_have_url(re.compile(r"/projects/\d+$"))
        await owner.get_by_label("Title").fill("Strings")

        await owner.get_by_label("File").set_input_files(
            {"name": "broken.po", "mimeType": "text/x-gettext", "buffer": b'msgid "Hi"\nmsgstr\n'}
        )
        await owner.get_by_role("button", name="Upload").click()
        await expect(owner.locator("#upload-error")).to_contain_text("PO syntax error")
        await expect(owner.locator("[data-upload-status]")).to_be_hidden()

        await owner.get_by_label("File").set_input_files(
            {"name": "app.po", "mimeType": "text/x-gettext", "buffer": messages.encode()}
        )
        await owner.get_by_role("button", name="Upload").click()
        failure = owner.locator("#split-error")
        await expect(failure).to_have_text(
            "The split failed: the file has more than 2 units; split it into several jobs"
        )
        await expect(owner.locator("[data-upload-size]")).to_have_text(
            f"app.po, {len(messages)} bytes"
        )
        await expect(owner.locator("#split-elapsed")).to_have_text(re.compile(r"^\d+ s$"))
        await expect(owner.get_by_role("button", name="Upload")).to_be_enabled()
        await shoot(owner, "project-split-failed")
        await owner.get_by_role("link", name="Open the job page").click()
        await expect(owner.locator("[data-job-status]")).to_have_text("failed")
        await expect(owner.get_by_role("alert")).to_contain_text("more than 2 units")
