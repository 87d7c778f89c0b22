"""The whole loop over HTTP: register, upload, claim, submit, review, result, credits."""

from __future__ import annotations

import json

import polib

from tests.harness import API, Api

TEXT = b"First paragraph.\n\nSecond paragraph,\nwrapped.\n\n\nThird one.\n"
PO = b"""msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"

#, c-format
msgid "Hello %s"
msgstr ""

msgid "%d file"
msgid_plural "%d files"
msgstr[0] ""
msgstr[1] ""

msgctxt "menu"
msgid "Open"
msgstr ""

#~ msgid "Gone"
#~ msgstr "Parti"
"""


async def test_text_job_round_trip(api: Api) -> None:
    owner = await api.register("owner")
    alice = await api.register("alice")
    project_id = await api.project(owner)
    job = await api.job_ready(owner, project_id, TEXT, reviews_required=1)
    assert job["status"] == "open"
    assert job["tasks_total"] == 3
    assert job["tasks_by_state"]["open"] == 3

    partial = await api.client.get(f"{API}/jobs/{job['id']}/result?partial=true", headers=owner)
    assert partial.content == TEXT
    assert (
        await api.client.get(f"{API}/jobs/{job['id']}/result", headers=owner)
    ).status_code == 409

    answers = {}
    for _ in range(3):
        claim = await api.claim(alice, job_id=job["id"])
        assert claim.status_code == 200, claim.text
        task = claim.json()["task"]
        answers[task["source"]] = "FR " + task["source"].replace("\n", " ")
        submitted = await api.submit(alice, claim.json()["assignment_id"], answers[task["source"]])
        assert submitted.status_code == 201, submitted.text
    assert (await api.claim(alice, job_id=job["id"])).status_code == 204

    assert await api.review_all(owner, job["id"]) == 3
    await api.settle()
    done = (await api.client.get(f"{API}/jobs/{job['id']}", headers=owner)).json()
    assert done["status"] == "complete"
    assert done["progress"] == 1.0
    assert done["contributors"] == 1

    result = await api.client.get(f"{API}/jobs/{job['id']}/result", headers=owner)
    assert result.status_code == 200
    assert result.text == (
        "FR First paragraph.\n\nFR Second paragraph, wrapped.\n\n\nFR Third one.\n"
    )
    credits = (await api.client.get(f"{API}/jobs/{job['id']}/credits", headers=owner)).json()
    by_name = {c["username"]: c for c in credits}
    assert by_name["alice"]["accepted"] == 3
    assert by_name["alice"]["credit"] >= 3
    assert by_name["owner"]["accepted"] == 0 and by_name["owner"]["credit"] > 0  # reviews

    work = (await api.client.get(f"{API}/me/work", headers=alice)).json()
    assert [(w["job_id"], w["status"], w["pieces"]) for w in work] == [(job["id"], "complete", 3)]

    me = (await api.client.get(f"{API}/me", headers=alice)).json()
    assert me["accepted"] == 3
    assert me["credit"] == by_name["alice"]["credit"]
    assert me["accuracy"] == 1.0
    assert me["next_level"]["name"] == "contributor"
    assert me["next_level"]["missing"] == ["2 more accepted answers"]


async def test_po_job_with_plural_and_rejection(api: Api) -> None:
    owner = await api.register("owner")
    bob = await api.register("bob")
    project_id = await api.project(owner)
    job = await api.job_ready(owner, project_id, PO, filename="app.po")
    assert job["tasks_total"] == 3
    partial = await api.client.get(f"{API}/jobs/{job['id']}/result?partial=true", headers=owner)
    assert partial.content == PO

    wanted = {
        "Hello %s": "Bonjour %s",
        "%d file": ["%d fichier", "%d fichiers"],
        "Open": "Ouvrir",
    }
    for _ in range(3):
        claim = (await api.claim(bob, job_id=job["id"])).json()
        task = claim["task"]
        if task["plural"]:
            assert task["source_plural"] == "%d files"
            assert len(task["plural_forms"]) == 2
        answer = "Bonjour" if task["source"] == "Hello %s" else wanted[task["source"]]
        response = await api.submit(bob, claim["assignment_id"], answer)
        if task["source"] == "Hello %s":  # the placeholder is missing: refused, lease kept
            assert response.status_code == 422
            assert "%s" in response.json()["detail"]
            response = await api.submit(bob, claim["assignment_id"], wanted["Hello %s"])
        assert response.status_code == 201, response.text

    # The owner rejects one answer; its author sees why, and the task is open again.
    review = (
        await api.client.post(f"{API}/reviews/claim", json={"job_id": job["id"]}, headers=owner)
    ).json()
    rejected_id = review["submissions"][0]["submission_id"]
    verdict = await api.client.post(
        f"{API}/review-assignments/{review['review_assignment_id']}/verdict",
        json={"submission_id": rejected_id, "verdict": "reject", "reason": "wrong tone"},
        headers=owner,
    )
    assert verdict.status_code == 201
    await api.settle()
    mine = (await api.client.get(f"{API}/me/submissions?status=rejected", headers=bob)).json()
    assert [(s["submission_id"], s["reason"]) for s in mine["items"]] == [
        (rejected_id, "wrong tone")
    ]

    # Bob answered it already, so a second volunteer takes the reopened task.
    carol = await api.register("carol")
    claim = (await api.claim(carol, job_id=job["id"])).json()
    source = claim["task"]["source"]
    assert (await api.submit(carol, claim["assignment_id"], wanted[source])).status_code == 201
    await api.review_all(owner, job["id"])
    await api.settle()

    result = await api.client.get(f"{API}/jobs/{job['id']}/result", headers=owner)
    assert result.status_code == 200
    catalogue = polib.pofile(result.text)
    assert catalogue.find("Hello %s").msgstr == "Bonjour %s"
    assert catalogue.find("Open", msgctxt="menu").msgstr == "Ouvrir"
    plural = catalogue.find("%d file")
    assert [plural.msgstr_plural[0], plural.msgstr_plural[1]] == ["%d fichier", "%d fichiers"]
    assert [e.msgid for e in catalogue.obsolete_entries()] == ["Gone"]

    credits = {
        c["username"]: c
        for c in (await api.client.get(f"{API}/jobs/{job['id']}/credits", headers=owner)).json()
    }
    assert credits["bob"]["accepted"] == 2
    assert credits["carol"]["accepted"] == 1

    export = await api.client.get(f"{API}/jobs/{job['id']}/export", headers=owner)
    lines = [json.loads(line) for line in export.text.splitlines() if line]
    assert len(lines) == 4
    assert {c["username"] for c in lines[-1]["CREDITS"]} == {"bob", "carol", "owner"}
    trailers = await api.client.get(f"{API}/jobs/{job['id']}/credits.txt", headers=owner)
    assert "Co-authored-by: bob <bob@users.noreply.tasks>" in trailers.text


async def test_repeated_paragraphs_share_one_task(api: Api) -> None:
    owner = await api.register("owner")
    (alice,) = await api.volunteers(1)
    doc = b"Hello.\n\nWorld.\n\nHello.\n\nHello.\n"
    job = await api.job_ready(owner, await api.project(owner), doc, reviews_required=0)
    assert job["tasks_total"] == 2
    for _ in range(2):
        claim = (await api.claim(alice, job_id=job["id"])).json()
        answer = {"Hello.": "Bonjour.", "World.": "Monde."}[claim["task"]["source"]]
        assert (await api.submit(alice, claim["assignment_id"], answer)).status_code == 201
    await api.settle()
    result = await api.client.get(f"{API}/jobs/{job['id']}/result", headers=owner)
    assert result.text == "Bonjour.\n\nMonde.\n\nBonjour.\n\nBonjour.\n"
