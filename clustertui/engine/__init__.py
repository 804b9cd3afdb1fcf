"""clustertui.engine"""
