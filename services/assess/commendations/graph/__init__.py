"""Commendations in the graph: criteria and stars, five goods, 七一 lists."""
