"""clustertui.chaos"""
