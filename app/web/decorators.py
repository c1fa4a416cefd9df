"""View decorators of the request boundary (what a role may do: ``app.permissions.requires``)."""
from __future__ import annotations

from functools import wraps

from flask import abort, flash, g, redirect, request, url_for
from flask_login import current_user

from ..extensions import login_manager


def tenant_required(view):
    """The page works inside one tenant; provider staff who have not picked one are asked to."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if g.get("tenant") is None:
            if current_user.is_provider:
                flash("Choose the client firm you want to work in.", "info")
                return redirect(url_for("main.choose_tenant", next=request.full_path))
            abort(403, description="Your account is not attached to an active firm.")
        return view(*args, **kwargs)
    return wrapped
