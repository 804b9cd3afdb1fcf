"""Widgets of the clustertui app: one module per panel."""
