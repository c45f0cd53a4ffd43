"""Housekeeping of the evidence store (``coverdesk files``)."""
