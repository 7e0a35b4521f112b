"""What assess's read replica may answer (services/common/replica.py): queries made only of
these root fields — star ratings, milestones, report roll-ups and commendation boards, heavy
and read-only."""

REPLICA_FIELDS = frozenset(
    {
        "starRatings",
        "milestoneStatuses",
        "overdueMilestones",
        "monthlyReportRollup",
        "fiveGoodEvaluation",
        "commendationList",
    }
)
REPLICA_ROUTES = ("/reports",)  # the monthly report workbooks (GET)
