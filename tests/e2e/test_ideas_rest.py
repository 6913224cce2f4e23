"""Issue 16 over real REST: ideas in plain words, questions inside the form,
follow-ups that keep their subject."""

from __future__ import annotations

from tests.e2e.chat import REFERENCE, joined, payloads
from tests.e2e.test_suggestions_rest import rows_with_text

OFFER = "Möchten Sie sie als Vorschlag einreichen?"


async def test_an_idea_in_plain_words_is_offered_and_handed_in(assistant, chat):
    idea = "Am Bahnhof fehlt eine Ladesäule für E-Bikes"
    offer = await chat(idea)
    assert OFFER in joined(offer), offer
    assert payloads(offer) == ["/affirm", "/deny"]

    asked = joined(await chat("/affirm"))
    assert "Beschreiben Sie Ihre Idee" not in asked  # the idea is already there
    assert "Zu welchem Thema" in asked, asked
    await chat('/inform{"topic":"Mobilität"}')
    await chat("Hauptbahnhof")
    assert "öffentlich zeigen?" in joined(await chat('/inform{"choice":"none"}'))
    summary = joined(await chat("Nein"))
    assert f"Idee: {idea}" in summary, summary
    saved = joined(await chat("/affirm"))
    assert REFERENCE.search(saved), saved
    assert rows_with_text(assistant, idea) == 1


async def test_no_to_the_offer_stores_nothing(assistant, chat):
    idea = (
        "Warum kann man im Rathaus keinen Termin online buchen? Das wäre so praktisch"
    )
    assert OFFER in joined(await chat(idea))
    assert "nichts gespeichert" in joined(await chat("Nein, danke"))
    assert rows_with_text(assistant, idea) == 0


async def test_a_question_at_the_idea_step_is_answered_then_asked_again(chat):
    await chat("Ich möchte einen Vorschlag machen")
    answer = joined(await chat("Wie funktioniert denn die Mitmachplattform?"))
    assert "MitWirkung" in answer, answer
    assert "Beschreiben Sie Ihre Idee" in answer, answer
    assert "Zu welchem Thema" in joined(await chat("Mehr Bänke im Stadtpark, bitte"))


async def test_a_question_at_the_place_and_email_steps_is_answered(chat):
    await chat("Vorschlag machen")
    await chat("Mehr Fahrradständer vor dem Hallenbad")
    await chat('/inform{"topic":"Mobilität"}')
    place = joined(await chat("Wie erreiche ich das Smart-City-Büro?"))
    assert "E-Mail:" in place and "Ort" in place, place
    await chat("Hallenbad Nord")
    assert "E-Mail-Adresse" in joined(await chat('/inform{"choice":"email"}'))
    privacy = joined(await chat("Was passiert mit meinen Daten?"))
    assert "E-Mail-Adresse" in privacy and "Datenschutz" in privacy, privacy
    consent = joined(await chat("anna@example.org"))
    assert "willige ein" in consent, consent


async def test_a_follow_up_keeps_the_project_until_the_citizen_leaves_it(chat):
    assert "EnStadt:Pfaff" in joined(await chat("Was passiert auf dem Pfaff-Gelände?"))
    events = joined(
        await chat(
            "Wann kann ich mir das mal anschauen, gibt es dazu eine Veranstaltung?"
        )
    )
    assert "Termine zu EnStadt:Pfaff" in events, events
    later = joined(await chat("und nächste Woche?"))
    assert "zu EnStadt:Pfaff" in later, later
    every = joined(await chat("alle Termine"))
    assert every.startswith("Termine in den nächsten 30 Tagen"), every
