"""clustertui: a terminal cluster monitor and chaos tool for SREs."""

__version__ = "0.1.0"
