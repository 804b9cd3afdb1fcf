"""clustertui.transport"""
