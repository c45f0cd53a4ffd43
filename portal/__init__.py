"""Coverdesk: the claims desk of a cross-border warehouse and forwarder."""

from pathlib import Path

#: The project folder that holds ``templates/``, ``static/`` and ``plugins/``.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
