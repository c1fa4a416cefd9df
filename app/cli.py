"""Command-line entry points: `flask --app wsgi demo load`, and the domain commands as they land."""
from __future__ import annotations

import os
from datetime import date

import click
from flask import Flask
from sqlalchemy import select

from . import accounts
from .demo import load_demo_corpus, load_demo_matters
from .extensions import db
from .models import SpecialistAssignment, Tenant, User

DEMO_PASSWORD = "Demo-Desk-2026!"
DEMO_FIRMS = [
    ("Acme IP LLP", "acme", "America/New_York"),
    ("Borealis Patent Group", "borealis", "Europe/Berlin"),
]
DEMO_FIRM_PEOPLE = [("firm_admin", "admin", "Admin"), ("attorney", "attorney", "Attorney"),
                    ("paralegal", "paralegal", "Paralegal")]
DEMO_PROVIDER_PEOPLE = [("provider_admin", "Priya Admin", "admin@provider.example"),
                        ("specialist", "Sam Specialist", "specialist@provider.example")]


def load_demo_data() -> list[tuple[str, str, str]]:
    """Create the demo firms and people if missing; returns (who, e-mail, role) sign-ins."""
    password_hash = accounts.hash_password(DEMO_PASSWORD)
    sign_ins = []
    made_users = {}

    def ensure_user(email, name, role, tenant_id):
        user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if user is None:
            user = User(email=email, name=name, role=role, home_tenant_id=tenant_id, password_hash=password_hash)
            db.session.add(user)
            db.session.flush()
        sign_ins.append((name, email, role))
        made_users[email] = user
        return user

    firms = []
    for name, slug, zone in DEMO_FIRMS:
        tenant = db.session.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()
        if tenant is None:
            tenant = Tenant(name=name, slug=slug, time_zone=zone)
            db.session.add(tenant)
            db.session.flush()
        firms.append(tenant)
        for role, mailbox, label in DEMO_FIRM_PEOPLE:
            ensure_user(f"{mailbox}@{slug}.example", f"{name.split()[0]} {label}", role, tenant.id)
    for role, name, email in DEMO_PROVIDER_PEOPLE:
        person = ensure_user(email, name, role, None)
        for tenant in firms:
            exists = db.session.execute(select(SpecialistAssignment).where(
                SpecialistAssignment.user_id == person.id, SpecialistAssignment.tenant_id == tenant.id)).first()
            if not exists:
                db.session.add(SpecialistAssignment(user_id=person.id, tenant_id=tenant.id))
    db.session.commit()
    specialist = made_users["specialist@provider.example"]
    for tenant in firms:
        attorney = made_users[f"attorney@{tenant.slug}.example"]
        load_demo_matters(tenant, attorney.id, specialist.id, tenant.slug.upper(), date.today(),
                          made_users[f"paralegal@{tenant.slug}.example"].id)
    return sign_ins


def init_app(app: Flask) -> None:
    from .patents.docketing import cli
    cli.init_app(app)
    from .patents.checklists import cli as checklists_cli
    checklists_cli.init_app(app)
    from .patents.search import cli as search_cli
    search_cli.register_commands(app)
    from . import key_rotation, offboarding
    key_rotation.init_app(app)
    offboarding.init_app(app)
    @app.cli.group()
    def demo():
        """Demo data for trying PatentDesk out."""

    @demo.command("load")
    def demo_load():
        """Create two demo firms, their people, the provider's staff and a docketed portfolio (safe to rerun)."""
        sign_ins = load_demo_data()
        documents = load_demo_corpus()
        if documents:
            click.echo(f"Imported and indexed {documents} sample patent documents for prior-art search.")
        click.echo(f"\nPatentDesk demo sign-ins (password for all: {DEMO_PASSWORD})")
        for name, email, role in sign_ins:
            click.echo(f"  {email:34} {role:15} {name}")
        address = f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
        click.echo(f"\nOpen {address} and sign in.\n")

    @app.cli.command("create-provider-admin")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.password_option()
    def create_provider_admin(email, name, password):
        """Create the first provider admin on a new installation."""
        try:
            accounts.create_user(name, email, "provider_admin", password)
        except accounts.AccountInputError as refused:
            raise click.UsageError(str(refused)) from None
        db.session.commit()
        click.echo(f"Created provider admin {email}.")
