"""clustertui.drills"""
