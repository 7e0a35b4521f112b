"""The data folder (cluster, secrets, locks) is its owner's alone once the suite runs:
the folder 0700, and nothing in it readable, writable or searchable by group or others."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from infra.locking import RunLock
from infra.settings import SuiteSettings
from stack import Running


def _open_to_others(root: Path) -> list[str]:
    found = []
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                continue
            if mode & 0o077:
                found.append(f"{path} {stat.filemode(mode)}")
    return found


def test_nothing_in_the_data_folder_is_open_to_others(
    running: Running, suite_settings: SuiteSettings
) -> None:
    data_dir = suite_settings.data_dir
    assert data_dir.stat().st_mode & 0o777 == 0o700
    assert _open_to_others(data_dir) == []


def test_a_data_folder_of_an_earlier_version_is_made_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    lock = data_dir / "partygrid.lock"
    lock.write_text("1\n")
    lock.chmod(0o644)
    with RunLock(data_dir):
        assert data_dir.stat().st_mode & 0o777 == 0o700
        assert lock.stat().st_mode & 0o777 == 0o600


def test_a_folder_that_is_not_ours_is_left_alone(tmp_path: Path) -> None:
    data_dir = tmp_path / "home"
    data_dir.mkdir()
    data_dir.chmod(0o755)
    (data_dir / "notes.txt").write_text("someone's")
    with RunLock(data_dir):
        assert data_dir.stat().st_mode & 0o777 == 0o755
