"""Commendations (双创): criteria, star ratings, five-good organizations, 七一 lists."""
