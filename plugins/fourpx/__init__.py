"""4PX, following its published loss rules; the rules are in ``carrier.py``."""

from portal.plugin_api import hookimpl

from .carrier import FourPXCarrier


@hookimpl
def coverdesk_carriers():
    return [FourPXCarrier()]
