"""The web pages over HTTP (no browser), on PostgreSQL and SQLite."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import httpx
import msgspec
from msgspec.structs import replace

from tasks_service.app import create_app
from tasks_service.db import models as m
from tasks_service.settings import Settings
from tests.conftest import running
from tests.harness import API, PASSWORD, Api
from tests.web.conftest import Browserless

People = Callable[[], Browserless]
MARKDOWN = b"# Welcome\n\nHello **world**, nice to meet you.\n\nThanks for reading.\n"


def _set_cookie(response: httpx.Response, name: str) -> str:
    return next(h for h in response.headers.get_list("set-cookie") if h.startswith(name + "="))


async def _owner_with_job(api: Api, content: bytes = MARKDOWN, **spec: object) -> int:
    owner = await api.register("owner")
    project_id = await api.project(owner)
    job = await api.job_ready(owner, project_id, content, "doc.md", **spec)
    return int(job["id"])


async def test_pages_for_people_redirect_to_sign_in(people: People) -> None:
    visitor = people()
    for path in ("/profile", "/submissions", "/review", "/projects", "/jobs/1", "/tasks/1"):
        response = await visitor.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/signin?next=" + path
    landing = await visitor.get("/")
    assert landing.status_code == 200
    assert "Sign up" in landing.text


async def test_session_cookie_is_httponly_lax_and_sign_out_revokes_its_token(
    api: Api, people: People
) -> None:
    ana = people()
    await ana.get("/signup")
    response = await ana.post(
        "/signup",
        {"username": "ana", "password": "correct horse battery staple", "languages": "en, fr"},
    )
    cookie = _set_cookie(response, "ts_session").lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http here
    bearer = {"Authorization": f"Bearer {ana.session_token}"}
    me = await api.client.get(f"{API}/me", headers=bearer)
    assert me.status_code == 200 and me.json()["languages"] == ["en", "fr"]

    home = await ana.get("/")
    assert "Next task" in home.text and "Level 0: newcomer" in home.text
    signed_out = await ana.post("/signout")
    assert signed_out.status_code == 303
    assert (await api.client.get(f"{API}/me", headers=bearer)).status_code == 401
    assert (await ana.get("/profile")).status_code == 303


async def test_secure_cookies_over_https_and_behind_a_trusted_proxy_only(
    settings: Settings, api: Api
) -> None:
    async def cookies_for(
        app_settings: Settings, base_url: str, headers: dict[str, str]
    ) -> tuple[str, str]:
        """The session cookie and the CSRF cookie as the server set them."""
        app = create_app(app_settings)
        async with (
            running(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=base_url, headers=headers
            ) as client,
        ):
            person = Browserless(client)
            page = await person.get("/signin")
            csrf = _set_cookie(page, "ts_csrf")
            # httpx sends no Secure cookie over http://; a browser speaking TLS to the proxy would.
            client.cookies.set("ts_csrf", csrf.split(";")[0].split("=", 1)[1])
            csrf = csrf.lower()
            assert "httponly" in csrf and "samesite=lax" in csrf
            response = await person.post(
                "/signin", {"username": "bob", "password": "correct horse battery staple"}
            )
            assert response.status_code == 303, response.text
            return _set_cookie(response, "ts_session").lower(), csrf

    def secure(cookie: str) -> bool:
        return "secure" in [part.strip() for part in cookie.split(";")]

    await api.register("bob")
    proxied = {"X-Forwarded-Proto": "https"}
    trusting = replace(settings, trust_proxy_headers=True)
    for app_settings, base_url, headers, expected in (
        (settings, "https://test", {}, True),
        (settings, "http://test", {}, False),
        (settings, "http://test", proxied, False),  # the header is not believed by default
        (trusting, "http://test", proxied, True),
        (trusting, "http://test", {}, False),
    ):
        session, csrf = await cookies_for(app_settings, base_url, headers)
        assert (secure(session), secure(csrf)) == (expected, expected), (base_url, headers)


async def test_forms_without_the_csrf_token_are_refused_and_the_api_is_untouched(
    api: Api, people: People
) -> None:
    await api.register("cyd")
    cy = people()
    await cy.get("/signin")
    for data in ({}, {"_csrf_token": "0" * 128}):
        refused = await cy.client.post(
            "/signin", data={"username": "cyd", "password": "correct horse battery staple", **data}
        )
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
        assert "reload the page" in refused.text
        assert "ts_session" not in refused.headers.get("set-cookie", "")
    # The bearer-token API needs no CSRF token.
    token = await api.client.post(
        f"{API}/auth/tokens", json={"username": "cyd", "password": "correct horse battery staple"}
    )
    assert token.status_code == 201


async def test_sign_in_failures_and_weak_passwords_are_explained(api: Api, people: People) -> None:
    await api.register("dia")
    di = people()
    await di.get("/signin")
    wrong = await di.post("/signin", {"username": "dia", "password": "not the password"})
    assert wrong.status_code == 401
    assert "Wrong username or password." in wrong.text
    weak = await di.post("/signup", {"username": "eddie", "password": "short", "languages": "en"})
    assert weak.status_code == 422
    assert "a password needs at least 10 characters" in weak.text
    taken = await di.post(
        "/signup", {"username": "dia", "password": "correct horse battery staple"}
    )
    assert taken.status_code == 409 and "is taken" in taken.text
    away = await di.post(
        "/signin",
        {"username": "dia", "password": "correct horse battery staple", "next": "//evil.test/"},
    )
    assert away.headers["location"] == "/"
    back = await di.post(
        "/signin",
        {"username": "dia", "password": "correct horse battery staple", "next": "/submissions"},
    )
    assert back.headers["location"] == "/submissions"


async def test_profile_languages_are_saved_through_the_accounts_service(
    api: Api, people: People
) -> None:
    fe = people()
    await fe.sign_up("fey", "en")
    saved = await fe.post("/profile", {"languages": "en, pt_BR, de", "display_name": "Fé"})
    assert saved.status_code == 303
    page = await fe.get("/profile?msg=saved")
    assert 'value="en, pt-br, de"' in page.text and "Saved." in page.text
    bad = await fe.post("/profile", {"languages": "english!", "display_name": ""})
    assert bad.status_code == 422 and "languages" in bad.text


async def test_a_volunteer_works_through_tasks_and_sees_check_errors_by_the_field(
    api: Api, people: People
) -> None:
    await _owner_with_job(api)
    gu = people()
    await gu.sign_up("gus")
    claimed = await gu.post("/tasks/next")
    assert claimed.status_code == 303
    task_path = claimed.headers["location"]
    assert re.fullmatch(r"/tasks/\d+", task_path)
    again = await gu.post("/tasks/next")  # a held task comes back instead of a new lease
    assert again.headers["location"] == task_path

    seen: list[str] = []
    path = task_path
    while path.startswith("/tasks/"):
        page = await gu.get(path)
        assert page.status_code == 200
        path = path.split("?")[0]
        source = re.search(r'id="source">([^<]*(?:&lt;[^<]*)*)</blockquote>', page.text)
        assert source is not None
        seen.append(source.group(1))
        assert 'data-seconds="' in page.text and "/extend" in page.text
        assert 'aria-keyshortcuts="Control+Enter"' in page.text
        assert 'aria-keyshortcuts="Escape"' in page.text
        key = re.search(r'name="submit_key" value="([0-9a-f]+)"', page.text)
        assert key is not None
        answer = "FR " + source.group(1).replace("&lt;", "<").replace("&gt;", ">")
        if "&lt;1&gt;" in source.group(1):
            assert 'class="chip" data-token="&lt;1&gt;' in page.text
            assert 'aria-keyshortcuts="Alt+1"' in page.text
            refused = await gu.post(
                path + "/submit", {"answer": "Bonjour le monde", "submit_key": key.group(1)}
            )
            assert refused.status_code == 422
            assert 'role="alert" id="answer-error"' in refused.text
            assert 'aria-invalid="true"' in refused.text
            assert "Bonjour le monde</textarea>" in refused.text
        extended = await gu.client.post(path + "/extend", headers={"x-csrf-token": gu.token})
        assert extended.status_code == 200 and extended.json()["lease_seconds_left"] > 0
        done = await gu.post(path + "/submit", {"answer": answer, "submit_key": key.group(1)})
        assert done.status_code == 303
        path = done.headers["location"]
    assert path == "/?msg=submitted-last"
    assert len(seen) == 3
    home = await gu.get(path)
    assert "Nothing else fits you right now." in home.text


async def test_skip_releases_the_task_for_someone_else(api: Api, people: People) -> None:
    await _owner_with_job(api, b"One.\n\nTwo.\n", reviews_required=1)
    ha, io = people(), people()
    await ha.sign_up("hal")
    await io.sign_up("ivo")
    first = (await ha.post("/tasks/next")).headers["location"]
    second = (await ha.post(first + "/skip")).headers["location"]
    assert second.endswith("?msg=skipped")
    last = (await ha.post(second.split("?")[0] + "/skip")).headers["location"]
    assert last == "/?msg=skipped-last"
    assert (await io.post("/tasks/next")).headers["location"].startswith("/tasks/")


async def test_user_text_is_escaped_everywhere_it_is_shown(api: Api, people: People) -> None:
    await _owner_with_job(api, b"Plain words here.\n")
    owner_token = await api.client.post(
        f"{API}/auth/tokens", json={"username": "owner", "password": "correct horse battery staple"}
    )
    owner_headers = {"Authorization": f"Bearer {owner_token.json()['token']}"}
    js = people()
    await js.sign_up("jsx")
    path = (await js.post("/tasks/next")).headers["location"]
    page = await js.get(path)
    key = re.search(r'name="submit_key" value="([0-9a-f]+)"', page.text)
    assert key is not None
    evil = "<script>alert('x')</script> & <img src=x onerror=alert(1)>"
    submitted = await js.post(path + "/submit", {"answer": evil, "submit_key": key.group(1)})
    assert submitted.status_code == 303

    mine = await js.get("/submissions")
    assert "<script>alert" not in mine.text and "<img src=x" not in mine.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;img" in mine.text

    owner = people()
    token = owner_headers["Authorization"].split()[1]
    owner.client.cookies.set("ts_session", token)
    start = await owner.post("/review/next")
    assert start.status_code == 303, start.text
    review = await owner.get(start.headers["location"])
    assert review.status_code == 200
    assert "<script>alert" not in review.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in review.text
    rejected = await owner.post(
        start.headers["location"] + "/verdict",
        {
            "submission_id": re.search(r'name="submission_id" value="(\d+)"', review.text).group(1),  # type: ignore[union-attr]
            "verdict": "reject",
            "reason": "<b>not</b> a translation",
        },
    )
    assert rejected.status_code == 303
    await api.settle()
    outcome = await js.get("/submissions")
    assert "&lt;b&gt;not&lt;/b&gt; a translation" in outcome.text
    assert "rejected" in outcome.text


async def test_review_needs_a_reason_to_reject_and_shows_differences(
    api: Api, people: People
) -> None:
    owner = await api.register("owner")
    project_id = await api.project(owner)
    job = await api.job_ready(
        owner, project_id, b"The cat sat on the mat.\n", "doc.txt", redundancy=2
    )
    for name, answer in (
        ("kat", "Le chat est assis sur le tapis."),
        ("lux", "Le chat dort sur le tapis."),
    ):
        headers = await api.register(name)
        claim = await api.claim(headers, job_id=job["id"])
        assert (await api.submit(headers, claim.json()["assignment_id"], answer)).status_code == 201
    reviewer = people()
    token = await api.client.post(
        f"{API}/auth/tokens", json={"username": "owner", "password": "correct horse battery staple"}
    )
    reviewer.client.cookies.set("ts_session", token.json()["token"])
    lease_path = (await reviewer.post("/review/next")).headers["location"]
    page = await reviewer.get(lease_path)
    assert "<del>est assis</del><ins>dort</ins>" in page.text
    # Keyboard shortcuts are announced on the controls and in a visible hint they point to.
    for shortcut in ("a", "r", "e", "Control+Enter"):
        assert page.text.count(f'aria-keyshortcuts="{shortcut}"') >= 2, shortcut
    assert 'id="review-keys"' in page.text and 'aria-describedby="review-keys"' in page.text
    assert "<kbd>1</kbd>–<kbd>2</kbd> to move" in page.text
    first = re.search(r'name="submission_id" value="(\d+)"', page.text)
    assert first is not None
    refused = await reviewer.post(
        lease_path + "/verdict", {"submission_id": first.group(1), "verdict": "reject"}
    )
    assert refused.status_code == 422
    assert "a rejection needs a reason" in refused.text
    approved = await reviewer.post(
        lease_path + "/verdict", {"submission_id": first.group(1), "verdict": "approve"}
    )
    assert approved.headers["location"] == "/review?msg=reviewed-last"


async def test_a_reviewer_gives_a_review_back_from_the_page(api: Api, people: People) -> None:
    job_id = await _owner_with_job(api, b"Good morning.\n", reviews_required=1)
    author = await api.register("kat")
    claim = (await api.claim(author, job_id=job_id)).json()
    assert (await api.submit(author, claim["assignment_id"], "Bonjour.")).status_code == 201
    reviewer = people()
    token = await api.client.post(
        f"{API}/auth/tokens", json={"username": "owner", "password": PASSWORD}
    )
    reviewer.client.cookies.set("ts_session", token.json()["token"])
    lease_path = (await reviewer.post("/review/next")).headers["location"]
    page = await reviewer.get(lease_path)
    assert f'action="{lease_path}/release"' in page.text
    assert 'aria-describedby="give-back-help"' in page.text
    given = await reviewer.post(lease_path + "/release")
    assert given.status_code == 303
    assert given.headers["location"] == "/review?msg=given-back"
    start = await reviewer.get(given.headers["location"])
    assert "Given back unreviewed" in start.text
    # The page is gone with the lease; giving it back twice just says nothing is waiting.
    assert (await reviewer.get(lease_path)).headers["location"] == "/review?msg=no-review"
    again = await reviewer.post(lease_path + "/release")
    assert again.headers["location"] == "/review?msg=no-review"
    # The answer waits for the next reviewer: the owner may take it straight back.
    assert (await reviewer.post("/review/next")).headers["location"].startswith("/review/")


async def test_owner_pages_upload_job_page_downloads_and_cancel(api: Api, people: People) -> None:
    mo = people()
    await mo.sign_up("moe")
    created = await mo.post("/projects", {"name": "Manuals", "visibility": "public"})
    assert created.status_code == 303
    project_path = created.headers["location"]
    page = await mo.get(project_path)
    assert "Upload a job" in page.text
    spec = {"title": "Guide", "kind": "translate", "source_language": "en"}
    upload = await mo.client.post(
        project_path + "/jobs",
        data={**spec, "target_language": "fr", "reviews_required": "1"},
        files={"file": ("guide.txt", b"First.\n\nSecond.\n", "text/plain")},
        headers={"x-csrf-token": mo.token, "accept": "application/json"},
    )
    assert upload.status_code == 202, upload.text
    job_url = upload.json()["url"]
    refused = await mo.client.post(
        project_path + "/jobs",
        data={**spec, "target_language": "en"},
        files={"file": ("guide.txt", b"First.\n", "text/plain")},
        headers={"x-csrf-token": mo.token, "accept": "application/json"},
    )
    assert refused.status_code == 422
    assert "target_language must differ" in refused.json()["detail"]
    plain = await mo.client.post(  # the form without JavaScript: token in the body
        project_path + "/jobs",
        data={**spec, "target_language": "de", "_csrf_token": mo.token},
        files={"file": ("notes.txt", b"Notes.\n", "text/plain")},
    )
    assert plain.status_code == 303 and re.fullmatch(r"/jobs/\d+", plain.headers["location"])
    await api.settle()
    status = (await mo.get(job_url + "/status")).json()
    assert status["status"] == "open" and status["tasks_total"] == 2
    job_page = await mo.get(job_url)
    assert "0 of 2 tasks accepted" in job_page.text and "<polyline" in job_page.text
    partial = await mo.get(job_url + "/download/partial")
    assert partial.content == b"First.\n\nSecond.\n"
    assert "attachment" in partial.headers["content-disposition"]
    assert (await mo.get(job_url + "/download/result")).status_code == 409
    export = await mo.get(job_url + "/download/export")
    assert msgspec.json.decode(export.content.splitlines()[-1]) == {"CREDITS": []}
    cancelled = await mo.post(job_url + "/cancel")
    assert cancelled.headers["location"] == job_url + "?msg=cancelled"
    assert "cancelled" in (await mo.get(job_url + "?msg=cancelled")).text

    other = people()
    await other.sign_up("noe")
    assert (await other.get(job_url + "/download/export")).status_code == 403
    assert (await other.post(job_url + "/cancel")).status_code == 403


async def test_public_pages_and_friendly_errors(api: Api, people: People) -> None:
    visitor = people()
    levels = await visitor.get("/levels")
    assert "co-creator" in levels.text and "the review queue" in levels.text
    assert (await visitor.get("/leaderboard?period=week")).status_code == 200
    missing = await visitor.get("/contributors/nobody")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "no contributor named &#39;nobody&#39;" in missing.text
    nowhere = await visitor.get("/no/such/page")
    assert nowhere.status_code == 404 and "There is no page at this address." in nowhere.text
    api_missing = await visitor.get(f"{API}/no/such/thing")
    assert api_missing.headers["content-type"].startswith("application/problem+json")
    manifest = await visitor.get("/manifest.webmanifest")
    sizes = {icon["sizes"] for icon in manifest.json()["icons"]}
    assert sizes == {"192x192", "512x512"}
    icon = await visitor.get("/static/icon-512.png")
    assert icon.content.startswith(b"\x89PNG") and icon.content[16:24] == bytes.fromhex(
        "0000020000000200"
    )


PLURAL_PO = b"""msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"

msgid "%d file"
msgid_plural "%d files"
msgstr[0] ""
msgstr[1] ""
"""


async def test_plural_tasks_ask_one_field_per_form_and_label_tasks_offer_buttons(
    api: Api, people: People
) -> None:
    owner = await api.register("owner")
    project_id = await api.project(owner)
    po = await api.job_ready(owner, project_id, PLURAL_PO, "app.po")
    rows = await api.job_ready(
        owner,
        project_id,
        b"text,id\nwhiskers,1\n",
        "animals.csv",
        kind="label",
        target_language=None,
        choices=["cat", "dog"],
        template="Which animal has {text}?",
    )
    pat = people()
    await pat.sign_up("pat")

    claimed = await pat.post("/tasks/next")
    path = claimed.headers["location"]
    page = await pat.get(path)
    job_id = po["id"] if 'name="plural_count" value="2"' in page.text else rows["id"]
    if job_id == po["id"]:
        assert 'for="answer_0">Your translation, form “one”' in page.text
        assert 'for="answer_1">Your translation, form “other”' in page.text
        one_form = await pat.post(path + "/submit", {"plural_count": "2", "answer_0": "%d fichier"})
        assert one_form.status_code == 422  # the blank second form is refused by the checks
        done = await pat.post(
            path + "/submit",
            {"plural_count": "2", "answer_0": "%d fichier", "answer_1": "%d fichiers"},
        )
        path = done.headers["location"].split("?")[0]
        page = await pat.get(path)
    assert "Which animal has whiskers?" in page.text
    for choice in ("cat", "dog"):
        assert f'name="answer" value="{choice}">{choice}</button>' in page.text
    assert ">Submit" not in page.text  # a tap on a choice is the submission
    chosen = await pat.post(path + "/submit", {"answer": "cat"})
    assert chosen.status_code == 303
    if job_id != po["id"]:
        path = chosen.headers["location"].split("?")[0]
        page = await pat.get(path)
        assert 'name="plural_count" value="2"' in page.text

    answers = {
        item["answer"] if isinstance(item["answer"], str) else tuple(item["answer"])
        for item in (
            await api.client.get(
                f"{API}/me/submissions",
                headers={"Authorization": f"Bearer {pat.session_token}"},
            )
        ).json()["items"]
    }
    assert "cat" in answers


async def test_a_reviewer_correction_becomes_the_accepted_answer(api: Api, people: People) -> None:
    owner = await api.register("owner")
    project_id = await api.project(owner)
    job = await api.job_ready(owner, project_id, b"Good morning.\n", "doc.txt")
    author = await api.register("quinn")
    claim = await api.claim(author, job_id=job["id"])
    await api.submit(author, claim.json()["assignment_id"], "Bon matin.")
    reviewer = people()
    token = await api.client.post(
        f"{API}/auth/tokens", json={"username": "owner", "password": "correct horse battery staple"}
    )
    reviewer.client.cookies.set("ts_session", token.json()["token"])
    lease_path = (await reviewer.post("/review/next")).headers["location"]
    page = await reviewer.get(lease_path)
    assert ">Bon matin.</textarea>" in page.text  # the correction starts from the answer
    submission = re.search(r'name="submission_id" value="(\d+)"', page.text)
    assert submission is not None
    empty = await reviewer.post(
        lease_path + "/verdict", {"submission_id": submission.group(1), "verdict": "edit"}
    )
    assert empty.status_code == 422 and "an edit needs the corrected text" in empty.text
    edited = await reviewer.post(
        lease_path + "/verdict",
        {"submission_id": submission.group(1), "verdict": "edit", "text": "Bonjour."},
    )
    assert edited.status_code == 303
    await api.settle()
    result = await reviewer.get(f"/jobs/{job['id']}/download/result")
    assert result.status_code == 200 and result.text == "Bonjour.\n"


async def test_owner_adds_and_removes_reviewers_on_the_reviewers_page(
    api: Api, people: People
) -> None:
    owner_api = await api.register("owner")
    project_id = await api.project(owner_api, name="Docs")
    await api.register("rita")
    owner, rita = people(), people()
    for person, name in ((owner, "owner"), (rita, "rita")):
        await person.get("/signin")
        signed = await person.post("/signin", {"username": name, "password": PASSWORD})
        assert signed.status_code == 303
    path = f"/projects/{project_id}/reviewers"
    assert f'href="{path}"' in (await owner.get(f"/projects/{project_id}")).text
    assert f'href="{path}"' not in (await rita.get(f"/projects/{project_id}")).text
    assert (await rita.get(path)).status_code == 403
    assert "Review next answer" not in (await rita.get("/review")).text
    assert (await rita.post(path, {"username": "rita"})).status_code == 403

    empty = await owner.get(path)
    assert empty.status_code == 200 and "No reviewers yet." in empty.text
    unknown = await owner.post(path, {"username": "<b>nobody</b>"})
    assert unknown.status_code == 404
    assert 'role="alert"' in unknown.text and "&lt;b&gt;nobody&lt;/b&gt;" in unknown.text
    assert 'aria-invalid="true"' in unknown.text
    assert (await owner.post(path, {"username": "owner"})).status_code == 409
    assert (await owner.post(path, {"username": "  "})).status_code == 422

    added = await owner.post(path, {"username": "rita"})
    assert added.status_code == 303 and added.headers["location"] == path + "?msg=reviewer-added"
    listing = await owner.get(added.headers["location"])
    assert "Reviewer added." in listing.text
    assert 'aria-label="Remove rita"' in listing.text
    assert "Review next answer" in (await rita.get("/review")).text
    nothing = await rita.post("/review/next")
    assert nothing.headers["location"] == "/review?msg=no-review"  # allowed, nothing waiting

    removed = await owner.post(path + "/rita/remove")
    assert removed.headers["location"] == path + "?msg=reviewer-removed"
    assert "No reviewers yet." in (await owner.get(path)).text
    assert (await owner.post(path + "/rita/remove")).status_code == 404
    assert "Review next answer" not in (await rita.get("/review")).text


async def test_job_page_while_splitting_shows_the_upload_size_and_time_then_the_failure(
    api: Api, people: People
) -> None:
    job_id = await _owner_with_job(api)
    owner = people()
    await owner.get("/signin")
    await owner.post("/signin", {"username": "owner", "password": PASSWORD})
    async with api.app.state.sessionmaker.begin() as session:  # as it was during the split
        job = await session.get(m.Job, job_id)
        assert job is not None
        job.status = m.JobStatus.SPLITTING
        job.created_at = m.utcnow() - timedelta(seconds=42)
    splitting = await owner.get(f"/jobs/{job_id}")
    assert f"Splitting doc.md ({len(MARKDOWN)} Bytes) into tasks" in splitting.text
    since = re.search(r'data-split-since="(\d+)"', splitting.text)
    assert since is not None and 42 <= int(since.group(1)) < 60
    async with api.app.state.sessionmaker.begin() as session:
        job = await session.get(m.Job, job_id)
        assert job is not None
        job.status = m.JobStatus.FAILED
        job.error = "the file has more than 2 units; split it into several jobs"
    failed = await owner.get(f"/jobs/{job_id}")
    assert "data-split-since" not in failed.text
    assert 'role="alert">the file has more than 2 units' in failed.text


async def test_the_header_keeps_next_task_in_reach_and_folds_the_rest(
    api: Api, people: People
) -> None:
    menu = 'aria-expanded="false" aria-controls="main-nav"'
    visitor = people()
    landing = await visitor.get("/")
    assert menu in landing.text and 'id="main-nav"' in landing.text
    assert '<a class="quick phone-only" href="/signin">Sign in</a>' in landing.text
    ana = people()
    await ana.sign_up("ana")
    profile = await ana.get("/profile")
    assert menu in profile.text
    assert profile.text.count('action="/tasks/next"') == 1  # the header's
    # Home and the task page have their own button: the header does not repeat it.
    assert (await ana.get("/")).text.count('action="/tasks/next"') == 1
