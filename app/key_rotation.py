"""`flask keys …`: rotate the KEK and the firms' data keys while the app keeps serving.

Rotating the KEK: deploy the new KEK as PATENTDESK_KEK with the old one in PATENTDESK_RETIRED_KEKS
(both unwrap), run `flask keys rotate`, then drop the retired KEK. Data keys are re-wrapped, TOTP seeds
resealed; no file changes. `--data-keys` also gives every firm a new data key and re-encrypts its files
onto it (each file replaced atomically), then deletes the older data keys once no file needs them.
"""
from __future__ import annotations

from dataclasses import dataclass

import click
from flask import Flask
from sqlalchemy import select

from . import files, keys, two_factor
from .extensions import db
from .models import Tenant
from .tenancy import tenant_scope


@dataclass
class RotationSummary:
    firms: int = 0
    data_keys_rewrapped: int = 0
    seeds_resealed: int = 0
    new_data_keys: int = 0
    files_reencrypted: int = 0
    old_data_keys_deleted: int = 0
    files_unreadable: int = 0


def rotate(new_data_keys: bool = False) -> RotationSummary:
    summary = RotationSummary()
    tenant_ids = list(db.session.execute(select(Tenant.id).order_by(Tenant.id)).scalars())
    for tenant_id in tenant_ids:
        summary.firms += 1
        with tenant_scope(tenant_id):
            summary.data_keys_rewrapped += keys.rewrap_data_keys(tenant_id)
            db.session.commit()
            if new_data_keys:
                summary.new_data_keys += 1
                newest = keys.add_data_key_version(tenant_id).version
                db.session.commit()  # new uploads use it from now on
                moved, unreadable = files.reencrypt_tenant_files(tenant_id)
                summary.files_reencrypted += moved
                summary.files_unreadable += unreadable
                if unreadable == 0:
                    # One more pass catches files written with the old key while the first ran.
                    summary.files_reencrypted += files.reencrypt_tenant_files(tenant_id)[0]
                    summary.old_data_keys_deleted += keys.delete_data_key_versions_below(tenant_id, newest)
                db.session.commit()
    summary.seeds_resealed = two_factor.reseal_totp_secrets()
    db.session.commit()
    return summary


def init_app(app: Flask) -> None:
    @app.cli.group("keys")
    def keys_group():
        """Encryption keys: rotation without downtime."""

    @keys_group.command("rotate")
    @click.option("--data-keys", is_flag=True,
                  help="Also give every firm a new data key and re-encrypt its files onto it.")
    def rotate_command(data_keys):
        """Re-wrap every data key and reseal every TOTP seed under the current KEK (PATENTDESK_KEK)."""
        summary = rotate(new_data_keys=data_keys)
        click.echo(f"{summary.firms} firms: {summary.data_keys_rewrapped} data keys re-wrapped under KEK "
                   f"{keys.current_kek().kek_id}, {summary.seeds_resealed} TOTP seeds resealed.")
        if data_keys:
            click.echo(f"{summary.new_data_keys} new data keys, {summary.files_reencrypted} files re-encrypted, "
                       f"{summary.old_data_keys_deleted} old data keys deleted.")
        if summary.files_unreadable:
            raise click.ClickException(f"{summary.files_unreadable} files could not be decrypted (see the log); "
                                       "their firms keep their older data keys.")
