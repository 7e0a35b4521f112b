"""What org's read replica may answer (services/common/replica.py): queries made only of
these root fields — rule findings and the region-wide counts, heavy and read-only."""

REPLICA_FIELDS = frozenset({"communityCounts", "findings", "regionResidents", "postHoldings"})
REPLICA_ROUTES: tuple[str, ...] = ()
