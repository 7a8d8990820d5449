"""Every write to judging, split by entity. Keyword-only, typed, atomic, audited.

- ``rounds``: default rounds and rubric, opening/closing, entries, advancement rule.
- ``conflicts``: declared conflicts, category preferences, organizer waivers.
- ``assignment``: who judges what, re-assignment, manual edits.
- ``scoring``: drafts, submit, exclusion, reopening, watch tracking.
- ``rankings``: stored rankings (snapshots) computed in a worker, refreshed on request.
"""
