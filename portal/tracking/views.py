"""Tracking in the browser: a scan added by hand on the order page, and a carrier's tracking file
uploaded and imported by a job while the page shows its progress and then its report."""

from __future__ import annotations

from datetime import UTC

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..clock import utcnow, warehouse_zone
from ..errors import Refused, flash_refusal, unit_of_work
from ..extensions import db
from ..jobs.services import runs_for
from ..orders.services import find_by_number
from ..plugin_engine import registry
from ..web import form_errors, staff_actor
from . import services
from .forms import ScanForm, TrackingFileForm
from .models import TrackingImport

bp = Blueprint("tracking", __name__)


@bp.post("/orders/<order_no>/scans")
def add_scan(order_no: str):
    order = find_by_number(order_no)
    if order is None:
        abort(404)
    form = ScanForm()
    back = redirect(url_for("orders.detail", order_no=order.order_no, _anchor="timeline"), code=303)
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return back
    # The form speaks warehouse time; the database keeps UTC.
    occurred_at = form.occurred_at.data.replace(tzinfo=warehouse_zone()).astimezone(UTC)
    try:
        with unit_of_work():
            services.add_manual_scan(
                registry(),
                order,
                occurred_at=occurred_at,
                status=form.status.data,
                handover=form.handover.data or None,
                location=form.location.data or "",
                description=form.description.data or "",
                why=form.why.data or "",
                actor=staff_actor(),
                now=utcnow(),
            )
    except Refused as exc:
        flash_refusal(exc)
    else:
        flash(_("Order %(order_no)s: scan added by hand.", order_no=order.order_no), "success")
    return back


def _file_form() -> TrackingFileForm:
    form = TrackingFileForm()
    form.carrier.choices = [SelectChoice(c.code, c.name) for c in registry().all_carriers()]
    return form


@bp.route("/tracking/imports", methods=["GET", "POST"])
def imports():
    """Upload a carrier's tracking file; the import runs as a job."""
    form = _file_form()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            with unit_of_work():
                row = services.request_import(
                    form.carrier.data, upload.filename or "tracking file", upload.read(), staff_actor(), utcnow()
                )
        except Refused as exc:
            flash_refusal(exc)
        else:
            return redirect(url_for("tracking.import_detail", import_id=row.id), code=303)
    elif form.is_submitted():
        flash(form_errors(form), "error")
    recent = db.session.scalars(select(TrackingImport).order_by(TrackingImport.id.desc()).limit(20)).all()
    return render_template("tracking/imports.html", form=form, recent=recent)


def _import_or_404(import_id: int) -> TrackingImport:
    row = db.session.get(TrackingImport, import_id)
    if row is None:
        abort(404)
    return row


@bp.get("/tracking/imports/<int:import_id>")
def import_detail(import_id: int):
    row = _import_or_404(import_id)
    return render_template("tracking/import.html", row=row, lines=_lines(row), job=_job(row))


@bp.get("/tracking/imports/<int:import_id>/status")
def import_status(import_id: int):
    """The progress and report panel alone: htmx polls it while the import runs."""
    row = _import_or_404(import_id)
    return render_template("tracking/_import_status.html", row=row, lines=_lines(row), job=_job(row))


def _job(row: TrackingImport):
    """The import's job: one that gave up stops the polling and says why (Jobs page to retry)."""
    runs = runs_for(f"tracking-import:{row.id}")
    return runs[-1] if runs else None


def _lines(row: TrackingImport) -> list[str]:
    return services.report_lines(services.import_report(row), row.filename) if row.state == "done" else []
