"""Tenant isolation, in one place: the scope, the automatic statement filter, inserts, and PostgreSQL RLS.

Every tenant-owned model inherits ``TenantScoped``. Invariants, enforced for every statement run through
the ORM session (``db.session.execute``, ``Model.query``, lazy loads):

* Every SELECT, UPDATE and DELETE that reads or writes a ``TenantScoped`` table is limited to the tenants
  in the current scope, wherever the table appears: the entity selected, a table used only in
  ``count(*)`` or column expressions, joins, aliases, subqueries, EXISTS, CTEs and UNIONs. With no scope,
  tenant-owned rows are invisible.
* A statement the filter cannot limit (literal SQL naming a tenant table, an INSERT whose rows are not
  in scope) is refused with ``TenantScopeError`` unless it runs inside ``unfiltered(reason)``, the one
  audited escape hatch (each use is logged; tests/test_tenancy.py lists the allowed call sites).
* Inserts through the unit of work take the current tenant; changing or deleting another tenant's row
  is refused at flush.

On PostgreSQL the same scope is written into ``app.tenant_ids`` per transaction, and row-level
security policies (see migrations/env.py) enforce it a second time.

How the filter works: ``with_loader_criteria`` covers ORM entities (and their relationship loads and
join ON clauses), but it attaches only to entities it recognises, so ``select(func.sum(case(...)))``
over a tenant table's columns, Core tables, ``exists()`` and bulk UPDATE/DELETE slip past it
(issue 11, item 1). So the statement is also rewritten: every SELECT in the tree gets
``tenant_id IN (scope)`` for each tenant table among its final FROM elements (the nullable side of an
outer join also lets its NULL-extended rows through), and UPDATE/DELETE get it for their target and
any other tenant table their WHERE names.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from flask import abort, has_app_context
from sqlalchemy import ForeignKey, event, inspect, or_, select, text
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, declared_attr, mapped_column, with_loader_criteria
from sqlalchemy.sql import visitors
from sqlalchemy.sql.dml import Delete, Insert, Update, UpdateBase
from sqlalchemy.sql.elements import ColumnClause, TextClause
from sqlalchemy.sql.selectable import Alias, Select, SelectBase, TableClause

from .extensions import db

log = logging.getLogger("patentdesk.tenancy")

_scope: ContextVar[frozenset[int]] = ContextVar("tenant_scope", default=frozenset())
_unfiltered_reason: ContextVar[str | None] = ContextVar("tenant_filter_off", default=None)
RLS_SETTING = "app.tenant_ids"


class TenantScopeError(RuntimeError):
    """Tenant data was read or written outside the current tenant scope, or in a way the filter cannot limit."""


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


@contextmanager
def unfiltered(reason: str) -> Iterator[None]:
    """The audited escape hatch: statements run without the ORM tenant filter (RLS still applies).

    Only for code that must see or change rows regardless of scope (deleting a whole offboarded
    tenant, scanning for canaries) and cannot be written per tenant. Every use states why, is logged,
    and its call site is listed in tests/test_tenancy.py, so a new one is reviewed.
    """
    if not reason or not reason.strip():
        raise ValueError("unfiltered() needs the reason the tenant filter must be off")
    log.info("tenant filter off: %s", reason)
    token = _unfiltered_reason.set(reason)
    try:
        yield
    finally:
        _unfiltered_reason.reset(token)


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
        # The app has one engine, so the transaction has (at most) one connection: this returns it
        # without beginning anything new.
        _set_rls_scope(session.connection())


@event.listens_for(Session, "after_begin")
def _scope_new_transaction(session, transaction, connection):
    _set_rls_scope(connection)


# ---------------------------------------------------------------------------------------------------
# The statement filter
# ---------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _tenant_tables() -> frozenset[str]:
    return frozenset(mapper.local_table.name for mapper in db.Model.registry.mappers
                     if issubclass(mapper.class_, TenantScoped))


@lru_cache(maxsize=1)
def _tenant_table_pattern() -> re.Pattern:
    names = "|".join(sorted(map(re.escape, _tenant_tables()), key=len, reverse=True))
    return re.compile(rf"(?<![\w.]){'(?:' + names + ')'}(?!\w)", re.IGNORECASE)


def _tenant_table(from_clause) -> bool:
    """Is this FROM element a tenant table, or an alias of one (``aliased(Matter)``, ``table.alias()``)?"""
    while isinstance(from_clause, Alias):
        from_clause = from_clause.element
    return isinstance(from_clause, TableClause) and from_clause.name in _tenant_tables()


def _tenant_froms_named_here(statement) -> list:
    """Every tenant table (or alias of one) this statement names at its own level: its target, columns,
    FROM list, joins and WHERE, but not inside nested statements, which are filtered on their own.

    Walking the statement, rather than asking for its compiled FROM list, costs no compilation and
    leaves out the anonymous joins ORM eager loading adds later (with_loader_criteria covers those).
    A correlated table of the enclosing statement may be named here too; filtering it again is harmless.
    """
    found: dict[str, object] = {}
    stack = list(statement.get_children())
    while stack:
        element = stack.pop()
        if isinstance(element, (SelectBase, UpdateBase)):
            continue
        if isinstance(element, (TextClause, ColumnClause)):
            _refuse_literal_sql(element)
        if isinstance(element, ColumnClause) and element.table is not None:
            stack.append(element.table)
        if _tenant_table(element):
            found.setdefault(element.name, element)
            continue  # an alias's own element is the bare table, which this statement does not name
        stack.extend(element.get_children())
    return list(found.values())


def _in_scope(from_clause, scope_ids: tuple[int, ...], may_be_outer_joined: bool):
    column = from_clause.c.tenant_id
    # tenant_id is NOT NULL, so NULL only ever means a row an outer join made up for no match: letting
    # it through keeps LEFT JOIN semantics without knowing which side of which join the table is on.
    return or_(column.in_(scope_ids), column.is_(None)) if may_be_outer_joined else column.in_(scope_ids)


def _refuse_literal_sql(element) -> None:
    literal = element.text if isinstance(element, TextClause) else (
        element.name if isinstance(element, ColumnClause) and element.is_literal else None)
    if literal and _tenant_table_pattern().search(literal):
        raise TenantScopeError("literal SQL naming a tenant table cannot be filtered to the tenant scope; "
                               "build the statement from tables or models (or use tenancy.unfiltered)")


def _filtered(statement, scope_ids: tuple[int, ...]):
    """A copy of ``statement`` limited to the scope at every level of the tree."""
    def replace(element):
        if element is statement:
            return None  # copy this one's internals (with nested statements replaced), then add criteria
        if isinstance(element, (Select, UpdateBase)):
            return _filtered(element, scope_ids)
        return None

    if isinstance(statement, TextClause):
        _refuse_literal_sql(statement)
        return statement
    if isinstance(statement, Insert) and statement.select is None:
        return statement  # nothing to filter; its rows are checked against the scope (_check_insert)
    copy = visitors.replacement_traverse(statement, {}, replace)
    if isinstance(copy, (Select, Update, Delete)):
        criteria = [_in_scope(from_clause, scope_ids, isinstance(copy, Select))
                    for from_clause in _tenant_froms_named_here(copy)]
        return copy.where(*criteria) if criteria else copy
    return copy


def _check_insert(statement: Insert, scope_ids, parameters=None) -> None:
    if not _tenant_table(statement.table) or statement.select is not None:
        return  # INSERT … SELECT: the SELECT was filtered, so its tenant ids are in scope
    if parameters:  # rows given to execute(): an executemany, or one row
        rows = parameters if isinstance(parameters, list) else [parameters]
    else:  # rows given to .values()
        rows = [statement.compile().params]
    for row in rows:
        tenant_id = row.get("tenant_id")
        if tenant_id not in scope_ids:
            raise TenantScopeError(f"cannot insert into {statement.table.name} for tenant {tenant_id} "
                                   f"outside the scope {list(scope_ids)}")


@event.listens_for(Session, "do_orm_execute")
def _filter_statement_to_scope(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load or _unfiltered_reason.get() is not None:
        return  # loads of rows already read through the filter, or the audited escape hatch
    # Computed outside the lambda and bound as a parameter: the lambda is cached by code
    # location, so a value baked into it would leak tenant A's filter into tenant B's query.
    scope_ids = tuple(sorted(_scope.get()))
    statement = _filtered(state.statement, scope_ids)
    if state.is_select:
        statement = statement.options(
            with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id.in_(scope_ids), include_aliases=True))
    if state.is_insert:
        _check_insert(statement, scope_ids, state.parameters)
    state.statement = statement


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
