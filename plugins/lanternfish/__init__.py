"""Lanternfish Mutual, a fictional parcel insurer; its terms are in ``insurer.py``."""

from portal.plugin_api import hookimpl

from .insurer import LanternfishInsurer


@hookimpl
def coverdesk_insurers():
    return [LanternfishInsurer()]
