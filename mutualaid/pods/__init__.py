"""Response pods: formation with cascading invitations and safe seats (formation.py),
lifecycle (lifecycle.py), the shared thread and checklist (thread.py), and who may see
what (access.py)."""
