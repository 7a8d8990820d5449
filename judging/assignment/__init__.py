"""Who judges what: the planner, assignment runs, adaptive judging, and conflicts of interest
(the matching rule, judges' declarations and preferences, waivers, read-time checks).
"""
