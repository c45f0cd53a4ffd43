"""Jade Harbour Insurance, a fictional Shenzhen insurer; its terms are in ``insurer.py``."""

from portal.plugin_api import hookimpl

from .insurer import JadeHarbourInsurer


@hookimpl
def coverdesk_insurers():
    return [JadeHarbourInsurer()]
