"""Every staff URL, with its name; links and redirects are built from the names."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.staff import (
    answer_views,
    callback_views,
    dashboard_views,
    event_views,
    live_views,
    login_views,
    project_views,
    review_views,
    suggestion_views,
    user_views,
)

STATIC = Path(__file__).resolve().parent / "static"


def _page(app: web.Application, path: str, name: str, get=None, post=None) -> None:
    """One named resource for a GET page and the POST of its form."""
    resource = app.router.add_resource(path, name=name)
    if get is not None:
        resource.add_route("GET", get)
    if post is not None:
        resource.add_route("POST", post)


def setup_routes(app: web.Application) -> None:
    app.router.add_static("/static/", STATIC, name="static")
    _page(app, "/login", "login", login_views.login_page, login_views.login)
    _page(app, "/logout", "logout", post=login_views.logout)

    _page(app, "", "dashboard", dashboard_views.dashboard)
    _page(app, "/", "dashboard_slash", dashboard_views.dashboard)
    _page(app, "/charts/{name}.svg", "chart", dashboard_views.chart)

    _page(app, "/suggestions", "suggestions", suggestion_views.inbox_page)
    _page(app, "/suggestions.csv", "export", suggestion_views.export_csv)
    base = "/suggestions/{reference}"
    _page(app, base, "suggestion", suggestion_views.detail_page)
    _page(app, rf"{base}/photos/{{photo_id:\d+}}", "photo", suggestion_views.photo)
    _page(app, f"{base}/status", "set_status", post=suggestion_views.set_status)
    _page(app, f"{base}/assign", "assign", post=suggestion_views.assign)
    _page(app, f"{base}/duplicate", "duplicate", post=suggestion_views.duplicate)
    _page(app, f"{base}/hide", "hide", post=suggestion_views.hide)
    _page(app, f"{base}/message", "message", post=suggestion_views.message)
    _page(app, f"{base}/publish", "publish", post=suggestion_views.publish)
    _page(app, f"{base}/delete", "delete", post=suggestion_views.delete_suggestion)
    _page(app, "/audit", "audit", suggestion_views.audit_page)

    _page(app, "/projects", "projects", project_views.projects_page)
    # /new before /{slug}: "new" is no slug.
    _page(
        app, "/projects/new", "new_project",
        project_views.project_form, project_views.project_save,
    )  # fmt: skip
    _page(
        app, "/projects/{slug}", "project",
        project_views.project_form, project_views.project_save,
    )  # fmt: skip

    _page(app, "/events", "events", event_views.events_page)
    _page(app, "/events/import", "import_events", post=event_views.import_ics)
    _page(
        app, "/events/new", "new_event",
        event_views.event_form, event_views.event_save,
    )  # fmt: skip
    _page(
        app, r"/events/{event_id:\d+}", "event",
        event_views.event_form, event_views.event_save,
    )  # fmt: skip
    _page(app, r"/events/{event_id:\d+}/delete", "delete_event",
          post=event_views.event_delete)  # fmt: skip

    _page(app, "/antworten", "answers", answer_views.answers_page)
    # Names such as utter_faq/cdo hold a slash.
    answer = (
        r"/antworten/{variant:[a-z]+}/{answer:(?:utter|tpl)_[a-z0-9_]+(?:/[a-z0-9_]+)?}"
    )
    # Before the answer itself, whose name pattern would take "/zurueck" too.
    _page(app, f"{answer}/zurueck", "answer_restore", post=answer_views.answer_restore)
    _page(app, f"{answer}/pruefung", "answer_review", post=answer_views.answer_review)
    _page(app, answer, "answer", answer_views.answer_form, answer_views.answer_save)

    _page(app, "/live", "live", live_views.live_page)
    _page(app, "/live/state.json", "live_state", live_views.live_state)
    _page(app, "/live/availability", "live_availability",
          post=live_views.set_availability)  # fmt: skip
    live = r"/live/{chat_id:\d+}"
    _page(app, f"{live}/messages.json", "live_messages", live_views.transcript_json)
    _page(app, f"{live}/take", "live_take", post=live_views.take)
    _page(app, f"{live}/reply", "live_reply", post=live_views.reply)
    _page(app, f"{live}/end", "live_end", post=live_views.end)

    _page(app, "/callbacks", "callbacks", callback_views.callbacks_page)
    callback = "/callbacks/{reference}"
    _page(app, callback, "callback", callback_views.callback_page)
    _page(app, f"{callback}/status", "callback_status", post=callback_views.set_status)
    _page(app, f"{callback}/answer", "callback_answer", post=callback_views.answer)

    _page(app, "/review", "review", review_views.review_page)
    _page(app, "/review/decide", "review_decide", post=review_views.decide)

    _page(app, "/users", "users", user_views.users_page)
    _page(app, "/users/{name}/active", "set_active", post=user_views.set_active)
