"""Announcing results: outcomes under an embargo, feedback release, laurels, public pages, signed results.

Depends on ``judging`` (rounds, advancement, the final's published ladder — read through
judging's selectors), ``submissions``, ``media`` (posters, C2PA evidence), ``festival``
(editions, the audit chain) and ``notifications`` (outcome messages through ``notify``).
Nothing depends on it: it is the last step of an edition, so a new app at the top of the
dependency chain keeps judging free of what the public sees, and can be left out whole.
"""
