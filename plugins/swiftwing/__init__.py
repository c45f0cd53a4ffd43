"""Swiftwing Express, a fictional express courier; its rules are in ``carrier.py``."""

from portal.plugin_api import hookimpl

from .carrier import SwiftwingCarrier


@hookimpl
def coverdesk_carriers():
    return [SwiftwingCarrier()]
