"""Results: calibration, stored rankings (computed in a worker), advancement between rounds,
exports, and the organizer's results pages and API.
"""
