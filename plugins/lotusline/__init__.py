"""Lotus Line, a fictional dedicated line (China to Europe and North America); rules in ``carrier.py``."""

from portal.plugin_api import hookimpl

from .carrier import LotusLineCarrier


@hookimpl
def coverdesk_carriers():
    return [LotusLineCarrier()]
