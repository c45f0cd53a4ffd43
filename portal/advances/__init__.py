"""Advances: compensation paid to sellers before the insurer pays, exactly once, and its ledger."""
