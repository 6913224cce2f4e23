import pytest

from actions.sdk.suggestion_form import (
    ActionAskSuggestionNotify,
    ValidateSuggestionForm,
)
from core.settings import get_settings
from tests.helpers import entity, responses, template_text

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
    assert result == {"suggestion_location": expected, "suggestion_position": None,
                      "suggestion_similar": []}  # fmt: skip


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
async def test_notify(
    dispatcher, make_tracker, value, intent, entities, expected, with_mail_server
):
    result = await validate(
        "suggestion_notify", value, dispatcher, make_tracker, intent, entities
    )
    assert result["suggestion_notify"] == expected


@pytest.fixture
def without_mail_server(monkeypatch, settings_env):
    monkeypatch.delenv("SMTP_HOST", raising=False)
    get_settings.cache_clear()


@pytest.fixture
def with_mail_server(monkeypatch, settings_env):
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MAIL_FROM", "smartcity@stadt.example")
    get_settings.cache_clear()


async def test_email_is_offered_only_with_a_mail_server(
    dispatcher, make_tracker, without_mail_server
):
    """Issue 31: "Ja, auch per E-Mail" was offered, and nothing was ever sent."""
    await ActionAskSuggestionNotify().run(dispatcher, make_tracker(), {})
    assert responses(dispatcher) == ["utter_ask_suggestion_notify_chat"]
    # Typed, or a button of an old page: the citizen is told, news go to the chat.
    dispatcher.messages.clear()
    for value, entities in (("per Mail bitte", None),
                            ("", [entity("choice", "email")])):  # fmt: skip
        result = await validate(
            "suggestion_notify", value, dispatcher, make_tracker, "inform", entities
        )
        assert result == {"suggestion_notify": "chat"}
    assert [m["text"] for m in dispatcher.messages] == [
        template_text("tpl_no_email_here")
    ] * 2


async def test_with_a_mail_server_email_is_offered(
    dispatcher, make_tracker, with_mail_server
):
    await ActionAskSuggestionNotify().run(dispatcher, make_tracker(), {})
    assert responses(dispatcher) == ["utter_ask_suggestion_notify"]


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
    assert typed == {"suggestion_location": None, "suggestion_position": None,
                     "suggestion_confirmed": None}  # fmt: skip


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
                        "suggestion_notify", *expected_extra, "suggestion_public",
                        "suggestion_confirmed"]  # fmt: skip


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


def shared(latitude, longitude, place=None):
    """The message Telegram's bridge and the widget send for a shared location."""
    entities = [entity("latitude", latitude), entity("longitude", longitude)]
    if place is not None:
        entities.append(entity("place", place))
    return "/share_location{...}", "share_location", entities


@pytest.mark.parametrize(
    "step", ["suggestion_location", "suggestion_text", "suggestion_confirmed"]
)
async def test_a_shared_location_is_taken_at_any_step(dispatcher, make_tracker, step):
    text, intent, entities = shared(49.444712, 7.76899)
    tracker = make_tracker(text, intent, entities, active_loop="suggestion_form",
                           slots={"requested_slot": step})  # fmt: skip
    extracted = await FORM.extract_suggestion_location(dispatcher, tracker, {})
    assert extracted == {"suggestion_location": "Gesendeter Standort"}
    assert await FORM.extract_suggestion_text(dispatcher, tracker, {}) == {}


async def test_a_shared_location_gets_its_district(dispatcher, make_tracker):
    _text, intent, entities = shared(49.4443, 7.7689, place="Stiftsplatz")
    result = await validate("suggestion_location", "Stiftsplatz", dispatcher,
                            make_tracker, intent, entities)  # fmt: skip
    assert result == {
        "suggestion_location": "Stiftsplatz",
        "suggestion_position": {
            "latitude": 49.4443, "longitude": 7.7689, "district": "Innenstadt"
        },
        "suggestion_similar": [],
    }  # fmt: skip
    assert dispatcher.messages[-1]["response"] == "utter_location_taken_in_district"
    assert dispatcher.messages[-1]["district"] == "Innenstadt"


async def test_a_location_outside_the_city_has_no_district(dispatcher, make_tracker):
    _text, intent, entities = shared(52.52, 13.405)  # Berlin
    result = await validate("suggestion_location", "Gesendeter Standort",
                            dispatcher, make_tracker, intent, entities)  # fmt: skip
    assert result["suggestion_position"]["district"] is None
    assert responses(dispatcher) == ["utter_location_taken"]


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(91, 7.7), (49.4, -181), ("nan", 7.7), ("inf", 7.7), (True, 7.7),
     ("Stiftsplatz", 7.7), (None, None), ({"x": 1}, 7.7), (1e400, 7.7)],
)  # fmt: skip
async def test_an_unreadable_location_is_refused_and_asked_again(
    dispatcher, make_tracker, latitude, longitude
):
    text, intent, entities = shared(latitude, longitude)
    earlier = {"latitude": 49.44, "longitude": 7.76, "district": "Innenstadt"}
    tracker = make_tracker(
        text, intent, [e for e in entities if e["value"] is not None],
        active_loop="suggestion_form",
        slots={"requested_slot": "suggestion_location",
               "suggestion_location": "Gesendeter Standort",
               "suggestion_position": earlier},
    )  # fmt: skip
    extracted = await FORM.extract_suggestion_location(dispatcher, tracker, {})
    assert extracted == {"suggestion_location": "Gesendeter Standort"}  # as it was
    assert responses(dispatcher) == ["utter_location_unreadable"]
    validated = await FORM.validate_suggestion_location(
        "Gesendeter Standort", dispatcher, tracker, {}
    )
    assert validated == {"suggestion_location": "Gesendeter Standort"}  # position kept


@pytest.mark.parametrize(
    ("text", "taken"),
    [
        ("Wie kann ich meinen Standort senden?", False),
        ("ich schicke Ihnen meinen Standort", False),
        ("Am Bahnhof, Gleis 1", True),  # a place the classifier took for sharing one
    ],
)
async def test_a_typed_share_location_is_a_question_or_a_place(
    dispatcher, make_tracker, text, taken
):
    tracker = make_tracker(text, "share_location", active_loop="suggestion_form",
                           slots={"requested_slot": "suggestion_location"})  # fmt: skip
    extracted = await FORM.extract_suggestion_location(dispatcher, tracker, {})
    if taken:
        assert extracted == {"suggestion_location": text}
        assert responses(dispatcher) == []
    else:
        assert extracted == {"suggestion_location": None}  # still unanswered
        assert responses(dispatcher) == ["utter_location_how"]


async def test_the_summary_names_the_district(dispatcher, make_tracker):
    from actions.sdk.suggestion_form import ActionAskSuggestionConfirmed

    tracker = make_tracker(slots={
        "suggestion_text": "Mehr Bänke", "suggestion_topic": "Sonstiges",
        "suggestion_location": "Gesendeter Standort",
        "suggestion_position": {"latitude": 49.44, "longitude": 7.77,
                                "district": "Innenstadt"},
        "suggestion_notify": "none",
    })  # fmt: skip
    await ActionAskSuggestionConfirmed().run(dispatcher, tracker, {})
    assert (
        "Ort: Gesendeter Standort (Stadtteil Innenstadt)"
        in dispatcher.messages[0]["text"]
    )


@pytest.mark.parametrize("step", ["suggestion_text", "suggestion_location"])
async def test_the_whole_form_action_keeps_position_and_district(
    dispatcher, make_tracker, step
):
    """Through rasa_sdk's extract-then-validate run, as the action server runs it."""
    import yaml

    from core.settings import PROJECT_ROOT

    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    text, intent, entities = shared(49.4241, 7.7525, place="Mensa")
    tracker = make_tracker(text, intent, entities, active_loop="suggestion_form",
                           slots={"requested_slot": step})  # fmt: skip
    events = await FORM.run(dispatcher, tracker, domain)
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["suggestion_location"] == "Mensa"
    assert slots["suggestion_position"] == {
        "latitude": 49.4241, "longitude": 7.7525, "district": "Universitätswohnstadt"
    }  # fmt: skip
    assert "suggestion_text" not in slots


@pytest.mark.parametrize(
    ("value", "intent", "entities", "expected"),
    [
        ("", "inform", [entity("choice", "public")], True),
        ("", "inform", [entity("choice", "private")], False),
        ("Ja, gern", "affirm", None, True),
        ("öffentlich zeigen", "inform", None, True),
        ("nicht öffentlich", "inform", None, False),
        ("nein danke", "deny", None, False),
        ("vielleicht später", "inform", None, None),
        ("", "inform", [entity("choice", "chat")], None),  # another step's button
    ],
)
async def test_publication_needs_a_clear_yes(
    dispatcher, make_tracker, value, intent, entities, expected
):
    result = await validate(
        "suggestion_public", value, dispatcher, make_tracker, intent, entities
    )
    assert result == {"suggestion_public": expected}
    assert responses(dispatcher) == ([] if expected is not None
                                     else ["utter_please_use_buttons"])  # fmt: skip


@pytest.mark.parametrize(
    ("slot", "text", "intent"),
    [
        ("suggestion_public", "Wie wird das Wetter morgen?", "out_of_scope"),
        ("suggestion_confirmed", "Welche Projekte gibt es in der Innenstadt?",
         "ask_projects"),
        ("suggestion_notify", "What's the weather like tomorrow?", "out_of_scope"),
    ],
)  # fmt: skip
async def test_a_question_at_a_choice_is_told_when_it_gets_its_answer(
    dispatcher, make_tracker, slot, text, intent
):
    """Not "Das habe ich nicht verstanden": the question was understood."""
    result = await validate(slot, text, dispatcher, make_tracker, intent)
    assert result == {slot: None}
    assert responses(dispatcher) == ["utter_question_during_choice"]


async def test_the_summary_says_whether_it_is_shown_publicly(dispatcher, make_tracker):
    from actions.sdk.suggestion_form import ActionAskSuggestionConfirmed

    filled = {"suggestion_text": "Mehr Bänke", "suggestion_topic": "Sonstiges",
              "suggestion_notify": "none"}  # fmt: skip
    for public, shown in ((True, "ja"), (False, "nein"), (None, "nein")):
        dispatcher.messages.clear()
        tracker = make_tracker(slots={**filled, "suggestion_public": public})
        await ActionAskSuggestionConfirmed().run(dispatcher, tracker, {})
        assert f"Öffentlich zeigen: {shown}" in dispatcher.messages[0]["text"]
        titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
        assert "Veröffentlichung ändern" in titles


async def summary(dispatcher, make_tracker) -> list[str]:
    from actions.sdk.suggestion_form import ActionAskSuggestionConfirmed

    filled = {"suggestion_text": "Mehr Bänke", "suggestion_topic": "Sonstiges",
              "suggestion_location": "Stiftsplatz", "suggestion_notify": "none"}  # fmt: skip
    dispatcher.messages.clear()
    await ActionAskSuggestionConfirmed().run(dispatcher, make_tracker(slots=filled), {})
    return dispatcher.messages[0]["text"].splitlines()


async def test_the_summary_names_the_photos_that_go_with_it(
    dispatcher, make_tracker, session
):
    """Issue 31.6: the photos wait for the form; the summary says how many."""
    from actions.db import photos
    from actions.db.models import utcnow
    from actions.sdk.base import sender_key

    lines = await summary(dispatcher, make_tracker)
    assert lines[3:5] == ["Ort: Stiftsplatz", "Fotos: keine"]
    for _ in range(2):
        photos.add_pending(session, sender_key("test-user"), content=b"\xff\xd8",
                           media_type="image/jpeg", width=4, height=3,
                           now=utcnow())  # fmt: skip
    session.commit()
    lines = await summary(dispatcher, make_tracker)
    assert lines[3:6] == ["Ort: Stiftsplatz", "Fotos: 2 angehängt",
                          "Benachrichtigung: nein"]  # fmt: skip


async def test_the_summary_leaves_the_photos_out_while_the_database_is_down(
    dispatcher, make_tracker, monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////proc/no-such-dir/smartcity.db")
    get_settings.cache_clear()
    lines = await summary(dispatcher, make_tracker)
    assert lines[3:5] == ["Ort: Stiftsplatz", "Benachrichtigung: nein"]
    assert not any(line.startswith("Fotos") for line in lines)


async def test_a_typed_place_naming_a_district_keeps_it(dispatcher, make_tracker):
    result = await validate("suggestion_location", "Kotten, vor der Schule", dispatcher,
                            make_tracker, "inform", [entity("district", "Kotten")])  # fmt: skip
    assert result["suggestion_position"] == {"district": "Kotten"}


def message_at(make_tracker, step, text, intent, confidence=1.0):
    """The citizen's message at a step of the form, as the classifier read it."""
    tracker = make_tracker(
        text, intent, slots={"requested_slot": step}, active_loop="suggestion_form"
    )
    tracker.latest_message["intent"]["confidence"] = confidence
    return tracker


# Read by the classifier as the intent their words look like (the trained
# model's reading, issue 32): a "no", a cancel, a question.
ADDRESSES_THAT_LOOK_LIKE_INTENTS = [
    ("news-abc@example.org", "deny", 0.42, "news-abc@example.org"),
    ("no-reply-test@example.org", "deny", 0.38, "no-reply-test@example.org"),
    ("nein.danke@example.org", "deny", 0.99, "nein.danke@example.org"),
    ("abbrechen@example.org", "cancel", 0.99, "abbrechen@example.org"),
    ("stop@example.org", "cancel", 0.78, "stop@example.org"),
    ("hilfe@example.org", "help", 0.68, "hilfe@example.org"),
    ("ja@example.org", "affirm", 0.92, "ja@example.org"),
    ("kontakt@example.org", "ask_contact", 0.91, "kontakt@example.org"),
    ("datenschutz@example.org", "ask_privacy", 0.95, "datenschutz@example.org"),
    ("projekte@example.org", "ask_projects", 0.89, "projekte@example.org"),
    ("termine@example.org", "ask_events", 0.82, "termine@example.org"),
    ("wetter@example.org", "out_of_scope", 0.9, "wetter@example.org"),
    ("nein, nehmen Sie news@example.de", "deny", 1.0, "news@example.de"),
    ("Meine Adresse ist anna.meier@example.org", "ask_contact", 0.69,
     "anna.meier@example.org"),
    ("Anna@Example.ORG.", "inform", 1.0, "Anna@example.org"),
    ("E-Mail: <anna@example.org>", "inform", 1.0, "anna@example.org"),
    ("mailto:anna@example.org", "inform", 1.0, "anna@example.org"),
    ("anna@example.org und nochmal anna@example.org", "inform", 1.0,
     "anna@example.org"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "intent", "confidence", "address"), ADDRESSES_THAT_LOOK_LIKE_INTENTS
)
async def test_a_message_with_one_address_is_the_address_whatever_the_intent(
    dispatcher, make_tracker, text, intent, confidence, address
):
    """Issue 32: "news-abc@example.org" read as a "no" dropped the address."""
    tracker = message_at(make_tracker, "suggestion_email", text, intent, confidence)
    extracted = await FORM.extract_suggestion_email(dispatcher, tracker, {})
    result = await FORM.validate_suggestion_email(
        extracted["suggestion_email"], dispatcher, tracker, {}
    )
    assert result == {"suggestion_email": address, "suggestion_email_attempts": None}
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("anna@example.org oder bernd@example.org", "inform"),  # which one?
        ("nein, news@example", "deny"),  # a mistyped address, not a "no"
    ],
)
async def test_no_single_valid_address_is_asked_again(
    dispatcher, make_tracker, text, intent
):
    result = await validate("suggestion_email", text, dispatcher, make_tracker, intent)
    assert result == {"suggestion_email": None, "suggestion_email_attempts": 1}
    assert responses(dispatcher) == ["utter_suggestion_email_invalid"]


@pytest.mark.parametrize(
    ("text", "intent", "confidence"),
    [("stop@example.org", "cancel", 0.78), ("abbrechen@example.org", "cancel", 0.99)],
)
async def test_an_address_that_reads_as_a_cancel_is_no_cancel(
    dispatcher, make_tracker, text, intent, confidence
):
    """Through the whole form action: no "wirklich verwerfen?", the address is
    taken, and the consent step comes next."""
    import yaml

    from core.settings import PROJECT_ROOT

    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    tracker = message_at(make_tracker, "suggestion_email", text, intent, confidence)
    tracker.slots.update(suggestion_text="Mehr Bänke im Park", suggestion_notify="email",
                         suggestion_topic="Mobilität", suggestion_location="")  # fmt: skip
    events = await FORM.run(dispatcher, tracker, domain)
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["suggestion_email"] == text
    assert slots["requested_slot"] == "suggestion_email_consent"
    assert "suggestion_discard" not in slots


@pytest.mark.parametrize(
    ("step", "text", "intent", "confidence", "taken"),
    [
        # Issue 32: another matter at the topic step is answered, then asked again.
        ("suggestion_topic", "Wo verlängere ich meinen Personalausweis?", "out_of_scope", 0.90, False),
        ("suggestion_topic", "wo verlängere ich meinen personalausweis", "out_of_scope", 0.90, False),
        ("suggestion_topic", "Wann hat das Bürgerbüro geöffnet?", "out_of_scope", 0.97, False),
        ("suggestion_topic", "Kann man hier einen Reisepass beantragen", "out_of_scope", 0.8, False),
        ("suggestion_topic", "Welche Projekte gibt es?", "ask_projects", 0.9, False),
        ("suggestion_topic", "Was ist das Digitale Rathaus?", "ask_project_info", 0.9, False),
        ("suggestion_topic", "Wie ist die Telefonnummer vom Bürgerbüro?", "ask_contact", 0.93, False),
        ("suggestion_topic", "Ich möchte mit einem Menschen sprechen", "request_human", 0.9, False),
        ("suggestion_topic", "Was bedeutet Smart City?", "faq", 0.9, False),
        ("suggestion_topic", "abbrechen", "cancel", 0.99, False),
        # Topics, typed or pressed, also when the classifier is unsure what they are.
        ("suggestion_topic", "Mobilität", "inform", 0.96, True),
        ("suggestion_topic", '/inform{"topic":"Mobilität"}', "inform", 1.0, True),
        ("suggestion_topic", "Umwelt", "nlu_fallback", 0.3, True),
        ("suggestion_topic", "Bildung", "out_of_scope", 0.9, True),  # no question
        ("suggestion_topic", "Was passt, Sonstiges?", "out_of_scope", 0.5, True),  # unsure
        # The same at the place and e-mail steps: a place stays a place.
        ("suggestion_location", "Wo verlängere ich meinen Personalausweis?", "out_of_scope", 0.90, False),
        ("suggestion_location", "am Rathaus", "out_of_scope", 0.9, True),
        ("suggestion_location", "beim Bürgerbüro", "out_of_scope", 0.66, True),
        ("suggestion_location", "Wo genau ist egal, in der Innenstadt", "out_of_scope", 0.5, True),
        ("suggestion_location", "wo der Spielplatz ist", "out_of_scope", 0.8, True),
        ("suggestion_email", "Wo verlängere ich meinen Personalausweis?", "out_of_scope", 0.90, False),
    ],
)  # fmt: skip
async def test_a_question_at_a_free_text_step_is_answered_instead(
    dispatcher, make_tracker, step, text, intent, confidence, taken
):
    tracker = message_at(make_tracker, step, text, intent, confidence)
    extracted = await getattr(FORM, f"extract_{step}")(dispatcher, tracker, {})
    assert extracted == ({step: text} if taken else {})
