"""The chat's deletions are journaled by pseudonym, so a restore repeats them."""

from __future__ import annotations

import logging

from actions.sdk.base import sender_key
from actions.sdk.deletion_actions import ActionClearConversation, ActionDeleteMyData
from core.deletion_journal import CONVERSATION, EVERYTHING, DeletionJournal
from core.settings import get_settings
from tests.helpers import responses


async def test_each_deletion_is_one_line_with_the_pseudonym_only(
    settings_env, dispatcher, make_tracker
):
    tracker = make_tracker(sender_id="telegram:4711", slots={"rating_offers": [
        {"id": "offer-1", "question": "Wann?", "intent": "faq", "response": "x"}]})  # fmt: skip
    await ActionDeleteMyData().run(dispatcher, tracker, {})
    await ActionClearConversation().run(dispatcher, tracker, {})
    path = get_settings().deletion_journal
    entries = DeletionJournal(path).read().entries
    assert [(e.kind, e.key) for e in entries] == [
        (EVERYTHING, sender_key("telegram:4711")),
        (CONVERSATION, sender_key("telegram:4711")),
    ]
    assert entries[0].offers == ("offer-1",)
    assert "4711" not in path.read_text()


async def test_a_journal_that_cannot_be_written_does_not_undo_the_deletion(
    settings_env, dispatcher, make_tracker, monkeypatch, tmp_path, caplog
):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("DELETION_JOURNAL", str(blocked / "deletions.jsonl"))
    get_settings.cache_clear()
    with caplog.at_level(logging.ERROR):
        await ActionDeleteMyData().run(dispatcher, make_tracker(), {})
    assert responses(dispatcher)[0] == "utter_data_deleted_no_suggestions"
    assert "not in the deletion journal" in caplog.text
