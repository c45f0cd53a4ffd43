"""Inquiries (cases): a seller\x27s query worked until the insurer\x27s evidence is complete."""
