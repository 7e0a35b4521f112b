"""The plan's milestones and where each community stands against them."""
