"""The navigation, declared in one table in the order people work in, and the home page's panels."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g, url_for
from flask_login import current_user

from ..permissions import Can, can


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    capability: Can | None = None  # shown only to roles with it; None: to everyone signed in


# What is due, the files, work with the provider, then tools.
NAV_ITEMS = (
    NavItem("Provider", "dashboards.provider", Can.SEE_PROVIDER_DASHBOARD),
    NavItem("Docket", "docket.index"),
    NavItem("Matters", "matters.index"),
    NavItem("Requests", "requests.index"),
    NavItem("Search", "search.index"),
    NavItem("Checklists", "checklists.index"),
    NavItem("Reminders", "reminders.my_reminders"),
    NavItem("API", "tokens.index"),
)

_HOME_PANELS: list[str] = []


def _shown(item: NavItem) -> bool:
    return item.capability is None or can(current_user, item.capability)


def register_home_panel(template: str) -> None:
    """A feature's panel on the home page (a template rendered there)."""
    if template not in _HOME_PANELS:
        _HOME_PANELS.append(template)


def nav_items() -> list[dict]:
    return [{"label": item.label, "url": url_for(item.endpoint), "prefix": item.endpoint.split(".")[0] + "."}
            for item in NAV_ITEMS if _shown(item)]


def register(app: Flask) -> None:
    @app.context_processor
    def _layout_context():
        return {"current_tenant": g.get("tenant"), "assigned_tenants": g.get("assigned_tenants", []),
                "nav_items": nav_items, "home_panels": lambda: list(_HOME_PANELS),
                "Can": Can, "can": lambda capability: can(current_user, capability)}
