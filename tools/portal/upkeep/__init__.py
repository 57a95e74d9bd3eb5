"""Upkeep: what keeps the portal current (removal, reminders, passcodes, the list of texts)."""
