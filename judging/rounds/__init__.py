"""Rounds of an edition: their rubric, panels, advancement rule and entries (which of them
compete), and the organizer's round page.
"""
