"""The organizer's dashboard per edition: entries, AI tools, processing, QC and judging at a glance.

Depends on ``judging``, ``submissions``, ``media`` and ``festival`` (reads only, through
aggregate queries); nothing depends on it. Every figure is computed in SQL (``annotate`` /
``aggregate``, ``TruncDate``), so the page makes the same number of queries at 100 entries as
at 100,000.
"""
