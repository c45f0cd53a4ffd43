"""Orders' jobs: a CSV of orders uploaded in the browser, imported with its progress."""

from __future__ import annotations

from datetime import datetime

from ..extensions import db
from ..jobs.services import GiveUp, actor_of, asked_at, handler, in_asker_language


@handler("order-import", commits=True)
def order_import(params: dict, now: datetime) -> str:
    """It commits batch by batch (whole rows each), with its progress; run again it creates nothing twice."""
    from ..plugin_engine import registry
    from .importer import run_stored_import
    from .models import OrderImport

    row = db.session.get(OrderImport, params["import_id"])
    if row is None:
        raise GiveUp(f"order import {params['import_id']} no longer exists")
    if row.state == "done":
        return f"{row.filename}: already imported"
    with in_asker_language(params):
        report = run_stored_import(registry(), row, actor_of(params, "orders"), asked_at(params, now))
    if report is None:
        return f"{row.filename}: {row.failure}"
    return (
        f"{row.filename}: {report.created} orders created, {report.already_present} already present, "
        f"{len(report.errors)} problems"
    )
