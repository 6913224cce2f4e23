"""Admin page of staff accounts: who may log in, and locking an account.

Accounts are created and passwords set with `smartcity staff ...` on the server,
so that no password ever travels through a web form of another person.
"""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from actions.db import accounts
from bot.staff.helpers import admin_only, db, flash, redirect


@admin_only
async def users_page(request: web.Request) -> web.Response:
    users = await db(request, accounts.all_users)
    return aiohttp_jinja2.render_template("users.html", request, {"users": users})


@admin_only
async def set_active(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    form = await request.post()
    active = form.get("active") == "1"
    actor = request["user"].username
    if name.strip().casefold() == actor.casefold() and not active:
        await flash(request, "Sie können Ihr eigenes Konto nicht sperren.", "error")
        raise redirect(request, "users")
    try:
        await db(request, lambda s: accounts.set_active(s, name, active, actor=actor))
    except accounts.AccountError:
        await flash(request, f"Das Konto „{name}“ gibt es nicht.", "error")
    else:
        await flash(
            request, f"Das Konto „{name}“ ist {'entsperrt' if active else 'gesperrt'}."
        )
    raise redirect(request, "users")
