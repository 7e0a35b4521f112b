"""What grid's read replica may answer (services/common/replica.py): queries made only of
these root fields — coverage and exports, heavy and read-only — and the map tiles."""

REPLICA_FIELDS = frozenset({"coverage", "exportGeoJSON", "exportCSV"})
REPLICA_ROUTES = ("/tiles",)  # GET routes whose reads may run on the replica
