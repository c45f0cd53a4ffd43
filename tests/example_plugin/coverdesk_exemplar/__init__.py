"""Exemplar Mutual: an insurer plugin for Coverdesk (written by ``coverdesk plugins new``)."""

from portal.plugin_api import hookimpl

from .insurer import ExemplarInsurer


@hookimpl
def coverdesk_insurers():
    return [ExemplarInsurer()]
