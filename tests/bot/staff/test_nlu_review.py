"""The review of missed messages: grouped per week, assigned by admins, and
exported as NLU training data that Rasa accepts."""

from __future__ import annotations

import re
import subprocess
import sys
from html import unescape

import pytest
import yaml

from actions.db import nlu_review, ratings
from actions.db.session import in_transaction
from bot import cli
from bot.plugins.tracker_store import ErasableSQLTrackerStore
from core.settings import PROJECT_ROOT
from tests.bot.staff.helpers import login, post_form, store_messages

FALLBACK = "action_fallback"


async def missed_week(url: str) -> None:
    await store_messages(url, "a", [
        ("Wann kommt die Müllabfuhr?", "nlu_fallback", FALLBACK),
        ("Hallo", "greet", "utter_greet"),
    ])  # fmt: skip
    await store_messages(url, "b", [
        ("wann kommt die müllabfuhr", "nlu_fallback", FALLBACK),
        ("Wann kommt denn die Müllabfuhr bei uns?", "out_of_scope",
         "utter_out_of_scope"),
        ("Gibt es <b>WLAN</b> im Rathaus?", "nlu_fallback", FALLBACK),
        ("/affirm", "nlu_fallback", FALLBACK),
    ])  # fmt: skip


async def test_the_week_groups_similar_wording_with_counts(client, staff_settings):
    await missed_week(staff_settings.tracker_store_url)
    await login(client, "rudi")
    page = await (await client.get("/staff/review")).text()
    rows = page[page.index("<tbody>") :]
    first, second = rows.split("</tr>")[:2]
    assert "Wann kommt die Müllabfuhr?" in first and "<td>3</td>" in first
    assert "1 ähnliche" in first and "Wann kommt denn die Müllabfuhr bei uns?" in first
    assert "nicht verstanden (2), außerhalb des Themas (1)" in first
    assert "Gibt es &lt;b&gt;WLAN&lt;/b&gt; im Rathaus?" in second
    assert "Hallo" not in rows and "/affirm" not in rows
    # A reviewer sees, but cannot assign.
    assert "<select" not in page
    response = await post_form(
        client, "/staff/review/decide",
        {"text": "Hallo", "intent": "greet"}, page="/staff/review",
    )  # fmt: skip
    assert response.status == 403


async def test_questions_rated_down_join_the_week_with_what_was_missing(
    client, staff_settings
):
    def rate(session):
        for offer, question, rating, comment in [
            ("a" * 16, "Wann ist Sperrmüll?", "down", "Die Termine fehlten"),
            ("b" * 16, "wann ist sperrmüll", "down", None),
            ("c" * 16, "Was ist KL MitWirkung?", "up", None),
        ]:
            ratings.rate(session, ratings.NewRating(
                offer, question, "faq", "utter_faq/kontakt", "web", rating))  # fmt: skip
            if comment:
                ratings.add_comment(session, offer, comment)

    in_transaction(staff_settings.database_url, rate)
    await login(client, "rudi")
    page = await (await client.get("/staff/review")).text()
    rows = page[page.index("<tbody>") :]
    assert "Wann ist Sperrmüll?" in rows and "<td>2</td>" in rows
    assert "👎 bei FAQ „kontakt“ (2)" in rows
    assert "Die Termine fehlten" in rows
    assert "KL MitWirkung" not in rows


async def test_an_empty_or_unknown_week(client, staff_settings):
    await login(client)
    for week in ("", "2026-W99", "kaputt", "1999-W01"):
        response = await client.get("/staff/review", params={"woche": week})
        assert response.status == 200
    assert "keine Nachricht" in await response.text()


async def test_admins_assign_a_group_and_the_export_is_valid_training_data(
    client, staff_settings, tmp_path, monkeypatch
):
    await missed_week(staff_settings.tracker_store_url)
    # Only wordings on the page can be assigned (issue 30).
    await store_messages(staff_settings.tracker_store_url, "c", [
        ("Gibt es WLAN [im](project) Rathaus?", "nlu_fallback", FALLBACK),
    ])  # fmt: skip
    await login(client)
    page = await (await client.get("/staff/review")).text()
    assert '<option value="faq/geschichte"' in page
    texts = ["Wann kommt die Müllabfuhr?", "Wann kommt denn die Müllabfuhr bei uns?"]
    week = re.search(r'name="woche" value="([^"]+)"', page).group(1)
    response = await post_form(
        client, "/staff/review/decide",
        {"text": texts, "intent": "out_of_scope", "woche": week},
        page="/staff/review",
    )  # fmt: skip
    assert response.status == 303
    assert response.headers["Location"].endswith(f"woche={week}")
    refused = await post_form(
        client, "/staff/review/decide",
        {"text": "Gibt es WLAN [im](project) Rathaus?", "intent": "drop_tables"},
        page="/staff/review",
    )  # fmt: skip
    assert refused.status == 303
    assert "aus der Liste" in await (await client.get("/staff/review")).text()
    await post_form(
        client, "/staff/review/decide",
        {"text": "Gibt es WLAN [im](project) Rathaus?", "intent": "ask_contact"},
        page="/staff/review",
    )  # fmt: skip
    page = await (await client.get("/staff/review")).text()
    assert '<option value="out_of_scope" selected>' in page

    out = tmp_path / "reviewed.yml"
    for name, value in {
        "DATABASE_URL": staff_settings.database_url,
        "SMARTCITY_VAR_DIR": str(staff_settings.var_dir),
    }.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["nlu", "export-reviewed", "--out", str(out)]) == 0
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    examples = {block["intent"]: block["examples"] for block in data["nlu"]}
    assert examples["out_of_scope"].splitlines() == [f"- {t}" for t in sorted(texts)]
    assert examples["ask_contact"] == "- Gibt es WLAN (im)(project) Rathaus?\n"
    validate = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--domain", "domain.yml",
         "--data", "data/nlu", "data/stories", "data/rules", str(out),
         "--fail-on-warnings"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert validate.returncode == 0, validate.stdout[-3000:] + validate.stderr[-3000:]


def visible(html: str) -> str:
    """The text a person sees: no tags, no attribute values."""
    return unescape(re.sub(r"<[^>]*>", " ", html))


def form_texts(row: str) -> list[str]:
    """The `text` fields a browser sends with the row's form: hidden or ticked."""
    fields = re.findall(r"<input [^>]*name=\"text\"[^>]*>", row)
    sent = [f for f in fields if 'type="hidden"' in f or " checked" in f]
    return [unescape(re.search(r'value="([^"]*)"', f).group(1)) for f in sent]


async def test_only_wordings_shown_on_the_page_reach_the_training_data(
    client, staff_settings
):
    """Issue 30: the form sent variants the admin never saw, and the server
    took any text a forged or stale form sent."""
    url = staff_settings.tracker_store_url
    await store_messages(url, "a", [
        ("Wann kommt die Müllabfuhr?", "nlu_fallback", FALLBACK)] * 3)  # fmt: skip
    # More variants than the page lists.
    await store_messages(url, "b", [
        (f"Wann kommt die Müllabfuhr {n}?", "nlu_fallback", FALLBACK)
        for n in range(1, 31)
    ])  # fmt: skip
    await store_messages(url, "c", [("Wo ist das Fundbüro?", "nlu_fallback", FALLBACK)])
    await login(client)
    page = await (await client.get("/staff/review")).text()
    rows = page[page.index("<tbody>") :].split("</tr>")
    first = next(row for row in rows if "Wann kommt die Müllabfuhr?" in row)
    texts = form_texts(first)
    assert texts and all(text in visible(first) for text in texts)
    await post_form(client, "/staff/review/decide",
                    {"text": texts, "intent": "out_of_scope"}, page="/staff/review")  # fmt: skip

    # A forged form, and a stale one: the citizen erased the message meanwhile.
    ErasableSQLTrackerStore(host=url).erase("c")
    forged = ["Wo ist das Fundbüro?", "Ein Text, den niemand gezeigt hat",
              "Wann kommt die Müllabfuhr 30?"]  # fmt: skip
    await post_form(client, "/staff/review/decide",
                    {"text": forged, "intent": "ask_contact"}, page="/staff/review")  # fmt: skip
    assert "nicht mehr in der Liste" in await (await client.get("/staff/review")).text()

    decided = in_transaction(staff_settings.database_url, nlu_review.decisions)
    assert set(decided.values()) == {"out_of_scope"}
    shown_keys = {nlu_review.text_key(t) for t in texts}
    assert set(decided) == shown_keys
    assert "wann kommt die müllabfuhr 30" not in decided


def test_examples_already_in_the_training_data_are_not_exported(
    tmp_path, staff_settings
):
    known = sorted(nlu_review.training_examples(PROJECT_ROOT / "data" / "nlu"))[0]
    in_transaction(
        staff_settings.database_url,
        lambda s: nlu_review.decide(
            s, [known, "Ganz neue Frage zum Parken"], "ask_contact",
            offered={nlu_review.text_key(t): t
                     for t in [known, "Ganz neue Frage zum Parken"]},
            allowed=["ask_contact"], actor="anna",
        ),
    )  # fmt: skip
    text, written, skipped = in_transaction(
        staff_settings.database_url,
        lambda s: nlu_review.export(s, PROJECT_ROOT / "data" / "nlu",
                                    tmp_path / "x.yml"),
    )  # fmt: skip
    assert (written, skipped) == (1, 1)
    assert "Ganz neue Frage zum Parken" in text


def test_annotated_examples_count_as_known():
    keys = nlu_review.training_examples(PROJECT_ROOT / "data" / "nlu")
    assert not any("](" in key for key in keys)


@pytest.mark.parametrize("value", ["", "   "])
def test_a_decision_needs_a_message(staff_settings, value):
    with pytest.raises(nlu_review.ReviewError):
        in_transaction(
            staff_settings.database_url,
            lambda s: nlu_review.decide(s, [value], "greet", offered={},
                                        allowed=["greet"], actor="anna"),
        )  # fmt: skip


def test_characters_yaml_cannot_hold_do_not_break_the_export():
    """Issue 30: C1 controls and U+FFFE typed by a citizen broke the YAML."""
    import yaml

    nasty = "Wo\x85 ist\x9b das\ufffe Bürgerbüro\x07\ud800 [heute]?"
    text = nlu_review.nlu_yaml({"ask_contact": [nasty, "Normale Frage"]})
    loaded = yaml.safe_load(text)
    examples = loaded["nlu"][0]["examples"]
    assert "Wo ist das Bürgerbüro (heute)?" in examples
    assert "Normale Frage" in examples
