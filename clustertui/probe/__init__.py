"""clustertui.probe"""
