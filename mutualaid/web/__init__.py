"""Web layer: blueprints that parse input, check permission, call domain functions,
commit once and render."""
