"""The admin Jobs page: each schedule's last and next run, jobs that gave up (with a retry
button), and the latest jobs."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf import FlaskForm

from ..clock import utcnow
from ..errors import flash_refusal, unit_of_work
from ..storage import file_store
from ..web import staff_actor
from . import services
from .models import JobRun

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")


@bp.get("")
def index():
    now = utcnow()
    return render_template(
        "jobs/index.html",
        schedules=services.schedule_rows(now, current_app.config["JOB_SCHEDULES"]),
        failed=services.failed_runs(),
        recent=services.recent_runs(),
        form=FlaskForm(),
    )


def _expired() -> bool:
    if FlaskForm().validate_on_submit():
        return False
    flash(_("The form expired; please try again."), "error")
    return True


@bp.post("/<int:run_id>/retry")
def retry(run_id: int):
    if not _expired():
        try:
            with unit_of_work():
                run = services.retry(run_id, staff_actor(), utcnow())
        except services.JobError as exc:
            flash_refusal(exc)
        else:
            flash(_("%(job)s queued again.", job=run.label), "success")
    return redirect(url_for("jobs.index"), code=303)


@bp.post("/schedules/<name>/run")
def run_now(name: str):
    if not _expired():
        try:
            with unit_of_work():
                runs = services.run_now(name, staff_actor(), utcnow())
        except services.JobError as exc:
            flash_refusal(exc)
        else:
            flash(
                ngettext("%(name)s: %(num)d job queued.", "%(name)s: %(num)d jobs queued.", len(runs), name=name),
                "success",
            )
    return redirect(url_for("jobs.index"), code=303)


# --- files made by jobs, on the pages that asked for them ---------------------------------------


def made_file_section(subject: str, **section) -> dict:
    """What ``templates/jobs/_made_file.html`` shows for the jobs about ``subject``: the latest job
    and the latest file made, with the page's own ``section_id``, ``title``, ``poll_url``,
    ``ask_url``, ``file_url(run)`` and ``ask_label``."""
    return {"run": services.latest_run(subject), "made": services.latest_made(subject), "hx_post": True, **section}


def send_made_file(run: JobRun):
    """A file a job made, as a download under the name the job gave it."""
    return send_file(
        file_store().path(run.result_sha256),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=run.result_name,
        max_age=0,
        etag=run.result_sha256,
    )
