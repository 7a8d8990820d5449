"""Scores: drafts, submit, exclusion, watch sessions; the judge's queue and scoring page."""
