from flask import Blueprint, render_template

from ..clock import local_today
from ..plugin_api import CONTRACT_VERSION
from ..plugin_engine import registry

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/plugins")
def plugins():
    """Loaded plugins and the ones skipped, with the reason."""
    reg = registry()
    return render_template(
        "admin/plugins.html", reg=reg, contract=".".join(map(str, CONTRACT_VERSION)), today=local_today()
    )
