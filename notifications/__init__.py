"""Reminders of every deadline, the in-app notification centre and the daily digest.

The worker (huey, `notifications.tasks`) calls `services.send_due_reminders(now)`; the
rules of what is due are the named QuerySet methods of cases and cooperation, never
written again here. A notification row holds kind, record ids and threshold only:
its text is built when it is shown, in the reader's language, and names no person.
"""
