"""Organizer back office for media. Django loads only ``media.admin``: import the modules that register."""

from media import admin_ai  # noqa: F401  (registers the AI-usage evidence, flags and duplicates)
