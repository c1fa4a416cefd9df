"""The thin HTTP layer: each module turns requests into calls to app/ and app/patents/."""


def BLUEPRINTS():  # noqa: N802 - reads as the list it is
    """Every blueprint of the app; a feature adds its own here."""
    from . import (
        admin,
        api,
        auth,
        checklists,
        closures,
        compliance,
        dashboards,
        docket,
        health,
        jobs,
        main,
        matters,
        office_data,
        reminders,
        requests,
        search,
        security_keys,
        sessions,
        tokens,
        two_factor,
    )
    return [auth.bp, main.bp, matters.bp, docket.bp, api.bp, admin.bp, health.bp, jobs.bp, search.bp, checklists.bp,
            reminders.bp, requests.bp, dashboards.bp, tokens.bp, two_factor.bp, compliance.bp, sessions.bp,
            security_keys.bp, closures.bp, office_data.bp]
