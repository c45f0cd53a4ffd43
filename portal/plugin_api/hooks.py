"""The pluggy hooks a plugin module implements (``@hookimpl``) to hand the portal its plugin objects."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

from .vocabularies import PROJECT_NAME

if TYPE_CHECKING:
    from .carrier import CarrierPlugin
    from .insurer import InsurerPlugin

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


class CoverdeskHooks:
    """The pluggy hook specifications. Each is documented here and nowhere else."""

    @hookspec
    def coverdesk_carriers(self) -> list[CarrierPlugin]:
        """Return the carriers this plugin provides, as :class:`CarrierPlugin` instances.

        Called once when the portal starts. An exception here skips this plugin only.
        """

    @hookspec
    def coverdesk_insurers(self) -> list[InsurerPlugin]:
        """Return the insurers this plugin provides, as :class:`InsurerPlugin` instances.

        Called once when the portal starts. An exception here skips this plugin only.
        """
