"""Email (issue 19): the third channel beside web notices and texts.

``outbox`` writes rows in the caller's transaction; ``dispatcher`` sends them after commit
through ``backend`` (console or SMTP), with ``sending``'s claims, leases and retries.
``compose`` builds the message (headers, text and HTML parts), ``links`` signs the links in
it, ``notices`` gives every notice kind its email form, ``preferences`` says which channels
a person wants per kind of notice, ``account`` sends verification and reset links, and
``digest`` batches group threads.
"""
