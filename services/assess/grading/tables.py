"""Tables of the grading workflow per community and year: self-assessment, opinion survey,
determination, improvement goals.

plan 方法步骤（一）: 按照社区党组织自查自评、党员群众民意测评、办事处党工委认定等级的方法程序，
对照《标准》搞好社区党组织分类定级 … 找出差距和问题 … 研究制定 … 目标和措施.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from services.assess.metadata import metadata
from services.assess.standard.tables import standard

# One assessment per community and year, under the standard current when it was opened:
# a later version never changes it (DOMAIN "Assessment": past assessments keep theirs).
assessment = Table(
    "assessment",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_code", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("standard_id", Text, ForeignKey(standard.c.id, ondelete="RESTRICT"), nullable=False),
    # self_assessment → opinion_survey → determined (services/assess/grading/workflow.py).
    Column("state", Text, nullable=False),
    Column("opened_by", Text, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("self_note", Text, nullable=False, server_default=""),
    Column("self_assessed_by", Text),
    Column("self_assessed_at", DateTime(timezone=True)),
    Column("survey_held_on", Date),
    Column("survey_note", Text, nullable=False, server_default=""),
    Column("surveyed_by", Text),
    Column("surveyed_at", DateTime(timezone=True)),
    Column("grade_id", Text),  # the determined grade, one of the standard's
    Column("reason", Text),
    Column("determined_by", Text),
    Column("determined_at", DateTime(timezone=True)),
    UniqueConstraint("community_code", "year", name="assessment_once_a_year"),
    CheckConstraint(
        "state IN ('self_assessment', 'opinion_survey', 'determined')", name="assessment_state"
    ),
    CheckConstraint("community_code ~ '^[0-9]{12}$'", name="assessment_community_code"),
    CheckConstraint("year BETWEEN 2000 AND 2100", name="assessment_year"),
    # Each later state rests on the earlier steps being recorded.
    CheckConstraint(
        "state = 'self_assessment' OR self_assessed_at IS NOT NULL",
        name="assessment_self_assessed",
    ),
    CheckConstraint(
        "state <> 'determined' OR (surveyed_at IS NOT NULL AND grade_id IS NOT NULL"
        " AND reason IS NOT NULL AND determined_at IS NOT NULL)",
        name="assessment_determined",
    ),
)
Index("assessment_year", assessment.c.year, assessment.c.community_code)

# 自查自评: a self-score per indicator, on 0..the indicator's weight.
self_score = Table(
    "self_score",
    metadata,
    Column(
        "assessment_id", Uuid, ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("indicator_code", Text, primary_key=True),
    Column("score", Numeric(6, 2), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    CheckConstraint("score >= 0", name="self_score_nonnegative"),
)

# 党员群众民意测评: counts of 满意 / 基本满意 / 不满意 per group of respondents.
survey_count = Table(
    "survey_count",
    metadata,
    Column(
        "assessment_id", Uuid, ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("respondents", Text, primary_key=True),  # members | residents
    Column("satisfied", Integer, nullable=False),
    Column("basically_satisfied", Integer, nullable=False),
    Column("dissatisfied", Integer, nullable=False),
    CheckConstraint("respondents IN ('members', 'residents')", name="survey_count_respondents"),
    CheckConstraint(
        "satisfied >= 0 AND basically_satisfied >= 0 AND dissatisfied >= 0",
        name="survey_count_nonnegative",
    ),
)

# The computed score at each step, as it was then (assessing.assess at that moment).
grading_snapshot = Table(
    "grading_snapshot",
    metadata,
    Column(
        "assessment_id", Uuid, ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("step", Text, primary_key=True),  # opened | self_assessed | surveyed | determined
    Column("taken_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("as_of", Date, nullable=False),
    Column("score", Numeric(5, 2), nullable=False),
    Column("grade_id", Text, nullable=False),
    Column("meets_standard", Boolean, nullable=False),
    # [{"code", "value", "credit", "passed", "detail", "detail_en", "refs"}] in standard order
    Column("results", JSONB, nullable=False),
    CheckConstraint(
        "step IN ('opened', 'self_assessed', 'surveyed', 'determined')",
        name="grading_snapshot_step",
    ),
)

# Gaps turned into goals (找出差距和问题 … 制定目标和措施): one per failed indicator.
improvement_goal = Table(
    "improvement_goal",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("assessment_id", Uuid, ForeignKey("assessment.id", ondelete="CASCADE"), nullable=False),
    Column("community_code", Text, nullable=False),  # the assessment's, for listing by region
    Column("year", Integer, nullable=False),
    Column("indicator_code", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("owner_user", Text),  # a user name ...
    Column("owner_role", Text),  # ... or a role (secretary, street, district)
    Column("due_on", Date, nullable=False),
    Column("status", Text, nullable=False, server_default="open"),
    Column("done_on", Date),
    Column("updated_by", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("assessment_id", "indicator_code", name="improvement_goal_per_indicator"),
    CheckConstraint("status IN ('open', 'done')", name="improvement_goal_status"),
    CheckConstraint("(status = 'done') = (done_on IS NOT NULL)", name="improvement_goal_done_on"),
    CheckConstraint(
        "(owner_user IS NULL) <> (owner_role IS NULL)", name="improvement_goal_one_owner"
    ),
)
Index("improvement_goal_community", improvement_goal.c.community_code, improvement_goal.c.year)
