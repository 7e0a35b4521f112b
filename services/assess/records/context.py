"""The context of the records' resolvers: their DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from services.assess.records import evidence as files
from services.assess.records import writes as records
from services.assess.shared.context import AssessBaseContext
from services.common.loaders import LoaderSet, loader


class RecordLoaders(LoaderSet):
    attested_record = loader(records.records_by_id)
    record_evidence_ids = loader(records.evidence_ids_of)
    evidence_file = loader(files.described)
    fund_uses = loader(records.uses_of)


@dataclass(kw_only=True)
class RecordsContext(AssessBaseContext):
    loaders: RecordLoaders


Info = strawberry.Info[RecordsContext]
