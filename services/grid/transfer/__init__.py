"""Import and export of grid geometry: zones, buildings and community boundaries.

No re-exports: import the module you need.
"""
