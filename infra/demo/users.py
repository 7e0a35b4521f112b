"""Sign-in accounts for the demo district: one per role, so `partygrid up` can be tried.

They exist only where the demo district is loaded. They share one random password, made once
per data folder and kept owner-only in `<data dir>/demo-password` (never a fixed password:
a demo left running must not open with a guessable one).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import create_engine, pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.auth import users
from infra.kept_secrets import kept_secret

PASSWORD_FILE = "demo-password"


def demo_accounts(regions: dict[str, str]) -> list[tuple[str, str, str]]:
    """(username, role, region code) of each demo account, from the region tree (code ->
    level) the demo loaded."""
    district = min(code for code, level in regions.items() if level == "district")
    street = min(code for code, level in regions.items() if level == "street")
    community = min(
        code for code, level in regions.items() if level == "community" and code.startswith(street)
    )
    return [
        ("demo-district", "district", district),  # 区委组织部
        ("demo-street", "street", street),  # 办事处党工委
        ("demo-secretary", "secretary", community),  # 社区党组织书记
        ("demo-planner", "planner", district),  # 网格规划员
        ("demo-viewer", "viewer", district),
    ]


def demo_password(data_dir: Path) -> str:
    return kept_secret(data_dir, PASSWORD_FILE, 12)


async def _ensure(auth_url: str, accounts: list[tuple[str, str, str]], password: str) -> list[str]:
    engine = create_async_engine(auth_url)
    made = []
    try:
        async with engine.begin() as conn:
            for username, role, region in accounts:
                if await users.find_user(conn, username) is None:
                    await users.add_user(
                        conn, username=username, password=password, role=role, region_code=region
                    )
                    made.append(username)
    finally:
        await engine.dispose()
    return made


def ensure_demo_users(auth_url: str, org_url: str, data_dir: Path) -> list[str]:
    """Create the demo accounts that do not exist yet; returns the usernames created."""
    engine = create_engine(org_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT code, level FROM org.region")).all()
    finally:
        engine.dispose()
    regions: dict[str, str] = {str(code): str(level) for code, level in rows}
    return asyncio.run(_ensure(auth_url, demo_accounts(regions), demo_password(data_dir)))
