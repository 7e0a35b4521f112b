"""Console pages, one module per page family, each exporting `ROUTES`."""
