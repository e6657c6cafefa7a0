"""Outputs: user notices, statements of reasons, reports."""
