"""Tenant isolation, in one place: the scope, the automatic query filter, inserts, and PostgreSQL RLS.

Every tenant-owned model inherits ``TenantScoped``. Every ORM select in the session is filtered to
the tenants in the current scope; with no scope, tenant-owned rows are invisible. Inserts take the
current tenant. On PostgreSQL the same scope is written into ``app.tenant_ids`` per transaction,
and row-level security policies (see migrations/env.py) enforce it a second time.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import abort, has_app_context
from sqlalchemy import ForeignKey, event, inspect, select, text
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, declared_attr, mapped_column, with_loader_criteria

from .extensions import db

_scope: ContextVar[frozenset[int]] = ContextVar("tenant_scope", default=frozenset())
RLS_SETTING = "app.tenant_ids"


class TenantScopeError(RuntimeError):
    """Tenant data was written outside a single, matching tenant scope."""


class TenantScoped:
    """Mixin for every model whose rows belong to one tenant."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), nullable=False, index=True)


def current_tenant_ids() -> frozenset[int]:
    return _scope.get()


def current_tenant_id() -> int:
    """The single tenant being worked in; raises when the scope is empty or spans tenants."""
    scope = _scope.get()
    if len(scope) != 1:
        raise TenantScopeError(f"expected one tenant in scope, found {sorted(scope)}")
    return next(iter(scope))


@contextmanager
def tenant_scope(tenant_ids: int | Iterable[int]) -> Iterator[None]:
    """Work inside one tenant, or read across an explicit set of tenants (provider views)."""
    ids = frozenset([tenant_ids] if isinstance(tenant_ids, int) else tenant_ids)
    token = _scope.set(ids)
    _write_scope_to_open_transaction()
    try:
        yield
    finally:
        _scope.reset(token)
        _write_scope_to_open_transaction()


def enter_request_scope(tenant_ids: Iterable[int]):
    """Set the scope for the rest of a request; the token is reset at teardown."""
    token = _scope.set(frozenset(tenant_ids))
    _write_scope_to_open_transaction()
    return token


def leave_request_scope(token) -> None:
    _scope.reset(token)


def get_or_404(model, object_id):
    """Load a row by id through the tenant filter. A foreign id is simply not found.

    A plain ``Session.get`` may answer from the identity map without a query, so it would skip
    the filter; this always queries.
    """
    found = db.session.execute(select(model).where(model.id == object_id)).scalar_one_or_none()
    if found is None:
        abort(404)
    return found


def _scope_setting_value() -> str:
    return ",".join(str(i) for i in sorted(_scope.get()))


def _set_rls_scope(connection) -> None:
    if connection.dialect.name == "postgresql":
        # is_local=true: the setting dies with the transaction, so pooled connections never leak it.
        connection.execute(text("SELECT set_config(:name, :value, true)"),
                           {"name": RLS_SETTING, "value": _scope_setting_value()})


def _write_scope_to_open_transaction() -> None:
    if not has_app_context():
        return
    session = db.session()
    if session.in_transaction():
        for connection in _open_connections(session):
            _set_rls_scope(connection)


def _open_connections(session: Session):
    transaction = session.get_transaction()
    return [conn for conn, *_ in transaction._connections.values()] if transaction else []


@event.listens_for(Session, "after_begin")
def _scope_new_transaction(session, transaction, connection):
    _set_rls_scope(connection)


@event.listens_for(Session, "do_orm_execute")
def _filter_selects_to_scope(state: ORMExecuteState) -> None:
    if not state.is_select or state.is_column_load or state.is_relationship_load:
        return
    # Computed outside the lambda and bound as a parameter: the lambda is cached by code
    # location, so a value baked into it would leak tenant A's filter into tenant B's query.
    scope_ids = tuple(sorted(_scope.get()))
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id.in_(scope_ids), include_aliases=True)
    )


@event.listens_for(Session, "before_flush")
def _stamp_and_check_tenant(session, flush_context, instances) -> None:
    scope = _scope.get()
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if obj.tenant_id is None:
            if len(scope) != 1:
                raise TenantScopeError(f"cannot insert {type(obj).__name__} without exactly one tenant in scope")
            obj.tenant_id = next(iter(scope))
        elif obj.tenant_id not in scope:
            raise TenantScopeError(f"cannot insert {type(obj).__name__} into tenant {obj.tenant_id} outside the scope")
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        history = inspect(obj).attrs.tenant_id.history
        if history.has_changes():
            raise TenantScopeError(f"{type(obj).__name__} cannot move between tenants")
        if obj.tenant_id not in scope:
            raise TenantScopeError(f"cannot change {type(obj).__name__} of tenant {obj.tenant_id} outside the scope")
