"""Importers of designation lists, one module per format."""
