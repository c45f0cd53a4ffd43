"""Harbour Post, a fictional postal operator; its rules are in ``carrier.py``."""

from portal.plugin_api import hookimpl

from .carrier import HarbourPostCarrier


@hookimpl
def coverdesk_carriers():
    return [HarbourPostCarrier()]
