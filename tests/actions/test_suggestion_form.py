import pytest

from actions.sdk.suggestion_form import ValidateSuggestionForm
from tests.helpers import entity, responses

pytestmark = pytest.mark.usefixtures("settings_env")

FORM = ValidateSuggestionForm()


async def validate(
    slot, value, dispatcher, make_tracker, intent="inform", entities=None, **slots
):
    tracker = make_tracker(str(value), intent, entities, slots=slots)
    method = getattr(FORM, f"validate_{slot}")
    return await method(value, dispatcher, tracker, {})


@pytest.mark.parametrize(
    ("text", "expected", "response"),
    [
        ("zu kurz", None, "utter_suggestion_text_too_short"),
        ("          kurz         ", None, "utter_suggestion_text_too_short"),
        ("x" * 2001, None, "utter_suggestion_text_too_long"),
        ("  Mehr Bänke am Stiftsplatz  ", "Mehr Bänke am Stiftsplatz", None),
        ("<b>Bänke</b> <script>x</script>", "<b>Bänke</b> <script>x</script>", None),
        ("Mehr\x00 Bäume\u200b im Park", "Mehr Bäume im Park", None),
        ("y" * 2000, "y" * 2000, None),
    ],
)
async def test_idea_text_limits(dispatcher, make_tracker, text, expected, response):
    result = await validate("suggestion_text", text, dispatcher, make_tracker)
    assert result == {"suggestion_text": expected}
    assert responses(dispatcher) == ([response] if response else [])


@pytest.mark.parametrize(
    ("value", "entities", "expected"),
    [
        ('/inform{"topic":"Mobilität"}', [entity("topic", "Mobilität")], "Mobilität"),
        ("mobilitat", None, "Mobilität"),
        ("Sonstiges", None, "Sonstiges"),
        ("Raumfahrt", None, None),
    ],
)
async def test_topic(dispatcher, make_tracker, value, entities, expected):
    result = await validate(
        "suggestion_topic", value, dispatcher, make_tracker, entities=entities
    )
    assert result == {"suggestion_topic": expected}


@pytest.mark.parametrize(
    ("value", "intent", "entities", "expected"),
    [
        ('/inform{"choice":"skip"}', "inform", [entity("choice", "skip")], ""),
        ("Überspringen", "inform", None, ""),
        ("nein", "deny", None, ""),
        ("Stiftsplatz", "inform", None, "Stiftsplatz"),
    ],
)
async def test_location(dispatcher, make_tracker, value, intent, entities, expected):
    result = await validate(
        "suggestion_location", value, dispatcher, make_tracker, intent, entities
    )
    assert result == {"suggestion_location": expected}


@pytest.mark.parametrize(
    ("value", "intent", "entities", "expected"),
    [
        ("", "inform", [entity("choice", "email")], "email"),
        ("ja gerne", "affirm", None, "chat"),
        ("nein danke", "deny", None, "none"),
        ("per Mail bitte", "inform", None, "email"),
        ("vielleicht", "inform", None, None),
    ],
)
async def test_notify(dispatcher, make_tracker, value, intent, entities, expected):
    result = await validate(
        "suggestion_notify", value, dispatcher, make_tracker, intent, entities
    )
    assert result["suggestion_notify"] == expected


async def test_valid_email_is_normalized(dispatcher, make_tracker):
    result = await validate(
        "suggestion_email", "Anna@Example.ORG", dispatcher, make_tracker
    )
    assert result == {
        "suggestion_email": "Anna@example.org",
        "suggestion_email_attempts": None,
    }


async def test_invalid_email_asked_again_twice_then_skipped(dispatcher, make_tracker):
    attempts = None
    for expected_attempts in (1, 2):
        result = await validate("suggestion_email", "anna(at)example", dispatcher, make_tracker,
                                suggestion_email_attempts=attempts)  # fmt: skip
        assert result == {
            "suggestion_email": None,
            "suggestion_email_attempts": expected_attempts,
        }
        attempts = expected_attempts
    result = await validate("suggestion_email", "immer noch falsch", dispatcher, make_tracker,
                            suggestion_email_attempts=attempts)  # fmt: skip
    assert result == {"suggestion_email": "", "suggestion_notify": "chat",
                      "suggestion_email_attempts": None}  # fmt: skip
    assert responses(dispatcher) == ["utter_suggestion_email_invalid"] * 2 + [
        "utter_suggestion_email_given_up"
    ]


async def test_consent_refused_drops_the_address(dispatcher, make_tracker):
    result = await validate(
        "suggestion_email_consent", "/deny", dispatcher, make_tracker, "deny"
    )
    assert result == {"suggestion_email_consent": False, "suggestion_email": "",
                      "suggestion_notify": "chat"}  # fmt: skip


async def test_confirm_and_change(dispatcher, make_tracker):
    sent = await validate(
        "suggestion_confirmed", "/affirm", dispatcher, make_tracker, "affirm"
    )
    assert sent == {"suggestion_confirmed": True}
    change = await validate("suggestion_confirmed", "", dispatcher, make_tracker,
                            entities=[entity("choice", "change_topic")])  # fmt: skip
    assert change == {"suggestion_topic": None, "suggestion_confirmed": None}
    typed = await validate(
        "suggestion_confirmed", "Ort ändern", dispatcher, make_tracker
    )
    assert typed == {"suggestion_location": None, "suggestion_confirmed": None}


@pytest.mark.parametrize(
    ("slots", "expected_extra"),
    [
        ({"suggestion_notify": "chat"}, []),
        ({"suggestion_notify": "email"}, ["suggestion_email"]),
        (
            {"suggestion_notify": "email", "suggestion_email": "a@example.org"},
            ["suggestion_email", "suggestion_email_consent"],
        ),
    ],
)
async def test_required_slots_follow_the_answers(
    dispatcher, make_tracker, slots, expected_extra
):
    required = await FORM.required_slots([], dispatcher, make_tracker(slots=slots), {})
    assert required == ["suggestion_text", "suggestion_topic", "suggestion_location",
                        "suggestion_notify", *expected_extra, "suggestion_confirmed"]  # fmt: skip


@pytest.mark.parametrize(
    ("slot", "text", "intent", "taken"),
    [
        # Issue 16: a question at a free-text step is answered, not stored.
        ("suggestion_text", "Wie funktioniert denn die Mitmachplattform?", "ask_project_info", False),
        ("suggestion_text", "wie funktioniert die mitmachplattform", "ask_project_info", False),
        ("suggestion_text", "Welche Projekte gibt es schon?", "ask_projects", False),
        ("suggestion_text", "Wann ist der nächste Infoabend?", "ask_events", False),
        ("suggestion_text", "Wie wird das Wetter morgen?", "out_of_scope", False),
        ("suggestion_text", "Was bedeutet Smart City?", "faq", False),
        ("suggestion_text", "Wie reiche ich eine Idee ein?", "submit_suggestion", False),
        ("suggestion_text", "/ask_projects", "ask_projects", False),
        ("suggestion_text", "abbrechen", "cancel", False),
        # Ideas, even in the form of a question, and statements are answers.
        ("suggestion_text", "Warum gibt es keine Bänke am Markt? Das wäre schön", "share_idea", True),
        ("suggestion_text", "Mehr Ladesäulen am Bahnhof", "ask_projects", True),
        ("suggestion_text", "Mehr Bänke im Park", "nlu_fallback", True),
        ("suggestion_location", "Wo ist das Smart-City-Büro?", "ask_contact", False),
        ("suggestion_location", "Am Bahnhof", "inform", True),
        ("suggestion_location", "Kann man das überspringen?", "nlu_fallback", False),
        ("suggestion_location", '/inform{"choice":"skip"}', "inform", True),
        ("suggestion_email", "Wofür brauchen Sie meine E-Mail?", "ask_privacy", False),
        ("suggestion_email", "Was ist das Digitale Rathaus?", "ask_project_info", False),
        ("suggestion_email", "anna@example.org?", "ask_contact", True),
        ("suggestion_email", "ohne E-Mail", "deny", True),
    ],
)  # fmt: skip
async def test_free_text_steps_take_answers_but_not_questions(
    dispatcher, make_tracker, slot, text, intent, taken
):
    tracker = make_tracker(
        text, intent, slots={"requested_slot": slot}, active_loop="suggestion_form"
    )
    extracted = await getattr(FORM, f"extract_{slot}")(dispatcher, tracker, {})
    assert extracted == ({slot: text} if taken else {})


async def test_free_text_is_only_taken_at_its_own_step(dispatcher, make_tracker):
    asked_topic = make_tracker(
        "Mehr Bänke im Park",
        "share_idea",
        slots={"requested_slot": "suggestion_topic"},
        active_loop="suggestion_form",
    )
    no_form = make_tracker(
        "Mehr Bänke im Park", "share_idea", slots={"requested_slot": "suggestion_text"}
    )
    for tracker in (asked_topic, no_form):
        assert await FORM.extract_suggestion_text(dispatcher, tracker, {}) == {}
