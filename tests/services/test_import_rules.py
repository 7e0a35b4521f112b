"""One rule each for file imports (issue 13 review): the import cap is one setting,
PARTYGRID_MAX_IMPORT_BYTES, honoured by every import route (org's regions and rosters,
grid's geometry files) and, by default, by the gateway's door; region codes are checked by
the one rule (services.common.auth.is_region_code) wherever they are read.

The cap is proven on a second org, grid and gateway started with a small cap over the
session's database (real processes: the setting is read from their environment).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from infra.cli import main as partygrid
from infra.setup import Prepared
from infra.supervisor import free_port, gateway_env, service_env
from services.assess.reports import monthly as reports
from services.common.errors import DomainError
from services.grid.transfer import export as transfer_export
from stack import DISTRICT, Running

SMALL_CAP = 4096
CODE = "410104001001"
IMPORTS = (("org", "regions"), ("org", "members"), ("grid", "buildings"))


def _wide(code: str) -> str:
    """`code` in full-width digits, as a Chinese input method may type it."""
    return code.translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})


@pytest.fixture(scope="module")
def capped(running: Running, prepared: Prepared) -> dict[str, str]:
    """Base URLs of an org, a grid and a gateway whose environment sets only the common cap."""
    ports = {name: free_port() for name in ("org", "grid", "gateway")}
    urls = {name: f"http://127.0.0.1:{port}/graphql" for name, port in ports.items()}
    cap = {"PARTYGRID_MAX_IMPORT_BYTES": str(SMALL_CAP)}
    for name in ("org", "grid"):
        others = {**running.subgraphs, **{n: urls[n] for n in ("org", "grid") if n != name}}
        env = service_env(
            name,
            prepared.database.service_urls[name],
            ports[name],
            others,
            keys=running.keys,
        )
        running.supervisor.start(name, ports[name], env | cap)
    subgraphs = {**running.subgraphs, "org": urls["org"], "grid": urls["grid"]}
    env = gateway_env(
        subgraphs, ports["gateway"], keys=running.keys, auth_url=prepared.database.auth_url
    )
    running.supervisor.start("gateway", ports["gateway"], env | cap)
    running.supervisor.wait_healthy(60)
    return {name: url.removesuffix("/graphql") for name, url in urls.items()}


@pytest.mark.parametrize(("service", "kind"), IMPORTS)
def test_every_import_route_refuses_a_file_over_the_one_cap(
    running: Running, capped: dict[str, str], service: str, kind: str
) -> None:
    headers = running.headers(running.subgraphs[service], DISTRICT)
    headers |= {"x-partygrid-filename": "x.csv", "content-type": "text/csv"}
    url = f"{capped[service]}/imports/{kind}"
    over = httpx.post(url, content=b"x" * (SMALL_CAP + 1), headers=headers, timeout=30)
    assert over.status_code == 413, over.text
    (error,) = over.json()["errors"]
    assert error["message"] == f"文件过大（上限 {SMALL_CAP / 2**20:g} MB）"
    # At the cap the file is read (and refused for what it is, not for its size).
    at_cap = httpx.post(
        url, content=b"x" * SMALL_CAP, headers=headers, params={"check": "true"}, timeout=30
    )
    assert at_cap.status_code != 413, at_cap.text


def test_the_gateway_door_defaults_to_the_one_cap(running: Running, capped: dict[str, str]) -> None:
    headers = running.headers(running.gateway, DISTRICT) | {"content-type": "text/csv"}
    over = httpx.post(
        f"{capped['gateway']}/imports/regions",
        content=b"x" * (SMALL_CAP + 1),
        headers=headers,
        timeout=30,
    )
    assert over.status_code == 413, over.text


def test_a_street_code_is_checked_by_the_one_rule() -> None:
    """A `$` regex took a trailing line break; the one rule takes exactly 9 ASCII digits."""
    with pytest.raises(DomainError) as refused:
        reports.check_street_code("410104001\n")
    assert refused.value.field == ["streetCode"]
    assert reports.check_street_code("410104001") == "410104001"


@pytest.mark.parametrize("code", [_wide("410104"), _wide("410104001001")])
def test_an_export_region_is_checked_by_the_one_rule(code: str) -> None:
    """`isdigit` alone took full-width digits."""
    with pytest.raises(ValueError, match="regionCode"):
        transfer_export.region_filter(code)
    transfer_export.region_filter("410104")


@pytest.mark.parametrize("kind", ["members", "organizations", "buildings", "zones"])
def test_the_command_line_parses_a_community_by_the_one_rule(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """`partygrid import KIND FILE --community CODE`: full-width digits are refused before
    anything is read (they filled blank community cells, or named no community)."""
    with pytest.raises(SystemExit) as stopped:
        partygrid(["import", kind, str(tmp_path / "file.xlsx"), "--community", _wide(CODE)])
    assert stopped.value.code == 2
    assert "12 ASCII digits" in capsys.readouterr().err
