"""The plan's rules for a community's Party organizations: facts, the checks by topic, settings."""
