"""clustertui.report"""
