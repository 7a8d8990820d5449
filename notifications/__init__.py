"""Notifications: every message a person receives from Laurel, recorded once and delivered once.

Depends on ``festival`` only (users, editions, audit). Other apps call
``notifications.services.notify(...)``; this app calls none of them.
"""
