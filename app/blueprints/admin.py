"""Administration: a firm admin manages the firm's people; a provider admin manages tenants and staff."""
from __future__ import annotations

from zoneinfo import available_timezones

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from .. import accounts, audit, two_factor
from ..extensions import db
from ..models import FIRM_ROLES, PROVIDER_ROLES, ROLE_LABELS, AuditEntry, SpecialistAssignment, Tenant, User
from ..permissions import Can, requires
from ..single_line import NoControlCharacters

bp = Blueprint("admin", __name__, url_prefix="/admin")
AUDIT_PAGE_SIZE = 50


def _roles_managed_by(user: User) -> tuple[str, ...]:
    return FIRM_ROLES if user.role == "firm_admin" else PROVIDER_ROLES


def _managed_users_query():
    if current_user.role == "firm_admin":
        return accounts.firm_users_query(current_user.home_tenant_id)
    return accounts.provider_staff_query()


def _managed_user_or_404(user_id: int) -> User:
    user = db.session.execute(_managed_users_query().where(User.id == user_id)).scalar_one_or_none()
    if user is None:
        abort(404)
    return user


# Shape only: firms use internal and special-use domains that stricter validators refuse.
EMAIL_SHAPE = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Enter an e-mail address like name@firm.com.")


class UserForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200), NoControlCharacters()])
    email = EmailField("E-mail", validators=[DataRequired(), EMAIL_SHAPE, Length(max=254)])
    role = SelectField("Role")
    active = BooleanField("Active", default=True)


class NewUserForm(UserForm):
    password = PasswordField("Initial password", validators=[DataRequired()])


class PasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired()])


def _refused(form: FlaskForm, refused: accounts.AccountInputError) -> None:
    """Show the accounts module's refusal on the form field it concerns."""
    getattr(form, refused.field).errors.append(str(refused))


def _apply_password(form, user: User) -> bool:
    try:
        accounts.set_password(user, form.password.data)
    except accounts.PasswordRejected as rejected:
        form.password.errors.append(str(rejected))
        return False
    return True


@bp.route("/users")
@requires(Can.MANAGE_PEOPLE)
def users():
    people = db.session.execute(_managed_users_query()).scalars().all()
    return render_template("admin/users.html", people=people,
                           second_factor={p.id for p in people if two_factor.enrolled(p)})


@bp.route("/users/new", methods=["GET", "POST"])
@requires(Can.MANAGE_PEOPLE)
def new_user():
    form = NewUserForm()
    form.role.choices = [(r, ROLE_LABELS[r]) for r in _roles_managed_by(current_user)]
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                form.name.data, form.email.data, form.role.data, form.password.data, active=form.active.data,
                home_tenant_id=current_user.home_tenant_id if current_user.role == "firm_admin" else None)
        except accounts.AccountInputError as refused:
            _refused(form, refused)
        else:
            flash(f"{user.name} can now sign in as {ROLE_LABELS[user.role]}.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None), 400 if form.errors else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires(Can.MANAGE_PEOPLE)
def edit_user(user_id: int):
    user = _managed_user_or_404(user_id)
    form = UserForm(obj=user)
    form.role.choices = [(r, ROLE_LABELS[r]) for r in _roles_managed_by(current_user)]
    password_form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            accounts.update_user(user, form.name.data, form.email.data, form.role.data, form.active.data,
                                 by=current_user)
        except accounts.AccountInputError as refused:
            _refused(form, refused)
        else:
            flash(f"Saved {user.name}.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user, password_form=password_form,
                           second_factor=two_factor.enrolled(user)), 400 if form.errors else 200


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@requires(Can.MANAGE_PEOPLE)
def set_user_password(user_id: int):
    user = _managed_user_or_404(user_id)
    password_form = PasswordForm(prefix="pw")
    if password_form.validate_on_submit() and _apply_password(password_form, user):
        audit.record("password_set", summary=f"password set for {user.email}", tenant_id=user.home_tenant_id,
                     target=user)
        flash(f"Password changed for {user.name}. Their open sessions have been signed out.", "success")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    form = UserForm(obj=user)
    form.role.choices = [(r, ROLE_LABELS[r]) for r in _roles_managed_by(current_user)]
    return render_template("admin/user_form.html", form=form, user=user, password_form=password_form), 400


@bp.route("/users/<int:user_id>/two-factor/reset", methods=["POST"])
@requires(Can.MANAGE_PEOPLE)
def reset_two_factor(user_id: int):
    """For a person who lost their phone and codes: every factor removed, every session ended, audited."""
    user = _managed_user_or_404(user_id)
    if user.id == current_user.id:
        flash("You cannot reset your own two-factor sign-in. Ask another admin.", "error")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    two_factor.reset(user)
    audit.record("second_factor_reset", summary=f"two-factor sign-in reset for {user.email}",
                 tenant_id=user.home_tenant_id, target=user)
    flash(f"{user.name}'s two-factor sign-in is reset and their sessions are ended. "
          + ("They will be asked to set it up again at their next sign-in." if two_factor.required_for(user) else ""),
          "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


# --- Provider admin: tenants and assignments -------------------------------------------------------

def _time_zone_choices():
    return [(z, z) for z in sorted(available_timezones()) if "/" in z and not z.startswith("Etc/")]


class TenantForm(FlaskForm):
    name = StringField("Firm name", validators=[DataRequired(), Length(max=200), NoControlCharacters()])
    slug = StringField("Short code", validators=[
        DataRequired(), Length(max=40),
        Regexp(r"^[a-z0-9-]+$", message="Use lower-case letters, digits and hyphens only.")])
    time_zone = SelectField("Time zone", default="America/New_York")
    active = BooleanField("Active", default=True)


class NewTenantForm(TenantForm):
    admin_name = StringField("First firm admin's name", validators=[DataRequired(), Length(max=200),
                                                                    NoControlCharacters()])
    admin_email = EmailField("First firm admin's e-mail",
                             validators=[DataRequired(), EMAIL_SHAPE, Length(max=254)])
    admin_password = PasswordField("Initial password", validators=[DataRequired()])


@bp.route("/tenants")
@requires(Can.MANAGE_FIRMS)
def tenants():
    counts = dict(db.session.execute(
        select(User.home_tenant_id, func.count(User.id)).where(User.home_tenant_id.is_not(None))
        .group_by(User.home_tenant_id)).all())
    staff = dict(db.session.execute(
        select(SpecialistAssignment.tenant_id, func.count(SpecialistAssignment.id))
        .group_by(SpecialistAssignment.tenant_id)).all())
    firms = db.session.execute(select(Tenant).order_by(Tenant.name)).scalars().all()
    return render_template("admin/tenants.html", firms=firms, user_counts=counts, staff_counts=staff)


@bp.route("/tenants/new", methods=["GET", "POST"])
@requires(Can.MANAGE_FIRMS)
def new_tenant():
    form = NewTenantForm()
    form.time_zone.choices = _time_zone_choices()
    if form.validate_on_submit():
        try:
            tenant = accounts.create_tenant(form.name.data, form.slug.data, form.time_zone.data, form.active.data,
                                            form.admin_name.data, form.admin_email.data, form.admin_password.data)
        except accounts.AccountInputError as refused:
            _refused(form, refused)
        else:
            flash(f"{tenant.name} is set up. Assign specialists to it under Provider staff.", "success")
            return redirect(url_for("admin.tenants"))
    return render_template("admin/tenant_form.html", form=form, tenant=None), 400 if form.errors else 200


@bp.route("/tenants/<int:tenant_id>", methods=["GET", "POST"])
@requires(Can.MANAGE_FIRMS)
def edit_tenant(tenant_id: int):
    tenant = db.session.get(Tenant, tenant_id) or abort(404)
    form = TenantForm(obj=tenant)
    form.time_zone.choices = _time_zone_choices()
    if form.validate_on_submit():
        try:
            accounts.update_tenant(tenant, form.name.data, form.slug.data, form.time_zone.data, form.active.data)
        except accounts.AccountInputError as refused:
            _refused(form, refused)
        else:
            flash(f"Saved {tenant.name}.", "success")
            return redirect(url_for("admin.tenants"))
    return render_template("admin/tenant_form.html", form=form, tenant=tenant), 400 if form.errors else 200


class AssignmentForm(FlaskForm):
    tenant_ids = SelectMultipleField("Assigned firms", coerce=int)


@bp.route("/staff/<int:user_id>/assignments", methods=["GET", "POST"])
@requires(Can.MANAGE_FIRMS)
def assignments(user_id: int):
    person = db.session.execute(accounts.provider_staff_query().where(User.id == user_id)).scalar_one_or_none()
    if person is None:
        abort(404)
    form = AssignmentForm()
    form.tenant_ids.choices = [(t.id, t.name) for t in db.session.execute(
        select(Tenant).order_by(Tenant.name)).scalars()]
    if request.method == "GET":
        form.tenant_ids.data = [t.id for t in accounts.assigned_tenants(person)]
    if form.validate_on_submit():
        accounts.set_assignments(person, form.tenant_ids.data)
        flash(f"{person.name} is assigned to {len(set(form.tenant_ids.data))} firm(s).", "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/assignments.html", form=form, person=person)


# --- Audit log ----------------------------------------------------------------------------------------

@bp.route("/audit")
@requires(Can.READ_AUDIT_LOG)
def audit_log():
    tenant_filter = request.args.get("tenant", type=int) if current_user.role == "provider_admin" else None
    query = audit.visible_entries(current_user, tenant_filter)
    action = request.args.get("action", "").strip()
    if action:
        query = query.where(AuditEntry.action == action)
    actor = request.args.get("actor", "").strip()
    if actor:
        query = query.where(AuditEntry.actor_label.contains(actor))
    page = max(request.args.get("page", 1, type=int), 1)
    entries = db.session.execute(query.limit(AUDIT_PAGE_SIZE + 1).offset((page - 1) * AUDIT_PAGE_SIZE)).scalars().all()
    firms = (db.session.execute(select(Tenant).order_by(Tenant.name)).scalars().all()
             if current_user.role == "provider_admin" else [])
    tenant_names = {t.id: t.name for t in firms} or ({g.tenant.id: g.tenant.name} if g.tenant else {})
    return render_template("admin/audit.html", entries=entries[:AUDIT_PAGE_SIZE],
                           has_next=len(entries) > AUDIT_PAGE_SIZE, page=page, firms=firms, tenant_names=tenant_names,
                           filters={"tenant": tenant_filter, "action": action, "actor": actor})
