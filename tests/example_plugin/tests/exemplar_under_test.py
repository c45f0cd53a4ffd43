"""Where the tests find the plugin: the installed distribution (through its ``coverdesk.plugins``
entry point, as the portal loads it), or its folder before it is installed."""

from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

PLUGIN_FOLDER = Path(__file__).resolve().parents[1] / "coverdesk_exemplar"
try:
    distribution("coverdesk-exemplar")
    PLUGIN = "coverdesk-exemplar"
except PackageNotFoundError:
    PLUGIN = PLUGIN_FOLDER
