"""Screens of the clustertui app: the overview, a node's detail, help."""
