"""clustertui.tui"""
