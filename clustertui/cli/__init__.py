"""clustertui.cli"""
