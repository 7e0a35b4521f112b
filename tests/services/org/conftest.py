"""Tests of the org subgraph, laid out as services/org is (rules/, roster/, regions/).

pytest puts this folder on sys.path (as tests/conftest.py puts tests/), so the tests in its
subfolders import the helpers here (org_api, findings_sql) as the tests beside them do."""
