"""SMS transport (issue 6): gateway, composition, outbox and dispatcher, compliance, inbound.

Public entry points for the rest of the app:
- ``mutualaid.sms.outbox.queue_sms``: the one way to send a text.
- ``mutualaid.sms.inbound.handle_text``: the hook that gets every inbound text that is not a
  compliance keyword (the conversation layer replaces it).
"""
