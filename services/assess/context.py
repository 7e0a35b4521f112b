"""What every resolver of the assess subgraph receives: a typed context and typed loaders.

`AssessLoaders` declares each per-request DataLoader over its batch query (the domain
modules own the queries); `AssessContext` adds them and the gateway client (the app's
`resources`) to what every subgraph carries. Resolvers annotate `info: Info`.
"""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from services.assess.commendations import evaluation as commendations
from services.assess.grading import reads as grading_reads
from services.assess.records import evidence as files
from services.assess.records import writes as records
from services.assess.shared.gateway_client import GatewayClient
from services.assess.standard import documents as standards
from services.common.context import SubgraphContext
from services.common.loaders import LoaderSet, loader


class AssessLoaders(LoaderSet):
    # standards and their indicators
    standard = loader(standards.standards_by_id)
    current_standard = loader(standards.current_standard_ids)
    indicators_of = loader(standards.indicators_of)
    indicator = loader(standards.indicators_by_key)
    # attested records and their evidence
    attested_record = loader(records.records_by_id)
    record_evidence_ids = loader(records.evidence_ids_of)
    evidence_file = loader(files.described)
    fund_uses = loader(records.uses_of)
    # the grading workflow
    grading_assessment = loader(grading_reads.assessments_by_id)
    grading_self_scores = loader(grading_reads.self_scores_of)
    grading_survey_counts = loader(grading_reads.survey_counts_of)
    grading_snapshots = loader(grading_reads.snapshots_of)
    grading_goals = loader(grading_reads.goals_of)
    # commendations
    current_criteria = loader(commendations.current_criteria_ids)


@dataclass(kw_only=True)
class AssessContext(SubgraphContext):
    loaders: AssessLoaders
    gateway: GatewayClient  # org and grid, read through the gateway as the service


Info = strawberry.Info[AssessContext]
