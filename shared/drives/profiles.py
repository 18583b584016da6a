"""How eagerly a mount syncs: its VFS profile, read by the tick (periodic syncs) and the runner (before a job).

    profile   periodic sync    pull before every job in the project   for
    minimal   every 60 min     no (the hourly copy is good enough)    large archives, reference material
    default   every 15 min     yes                                    working folders
    full      every 5 min      yes                                    folders people edit on both sides

A sync can always be asked for by hand (POST /api/projects/{id}/mounts/{mountId}/sync). Import-light: the tick
loads this module, and the tick loads no pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from shared.models.cloud import VfsProfile


@dataclass(frozen=True, slots=True)
class ProfileSpec:
    name: str
    refresh_interval: timedelta
    pull_before_job: bool


PROFILES: dict[str, ProfileSpec] = {
    VfsProfile.MINIMAL.value: ProfileSpec(VfsProfile.MINIMAL.value, timedelta(minutes=60), pull_before_job=False),
    VfsProfile.DEFAULT.value: ProfileSpec(VfsProfile.DEFAULT.value, timedelta(minutes=15), pull_before_job=True),
    VfsProfile.FULL.value: ProfileSpec(VfsProfile.FULL.value, timedelta(minutes=5), pull_before_job=True),
}


def profile_of(name: str | None) -> ProfileSpec:
    """The spec of a profile name; an unknown or missing one reads as "default"."""
    return PROFILES.get(name or "", PROFILES[VfsProfile.DEFAULT.value])
