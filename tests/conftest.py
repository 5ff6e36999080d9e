"""Session-wide test configuration: hypothesis profiles and shared keys."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# CI runs more examples than a developer's quick run, but stays bounded and
# never fails on a slow machine's timing.
settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile(
    "dev",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
