"""Where tdgen keeps what it can recompute: ``.tdgen/cache/`` in the repository root,
git-ignored. The yamllint findings of the style check and the local engine's SQL translations
live there, each keyed by content so a stale entry cannot change a result."""

from __future__ import annotations

from pathlib import Path

CACHE = Path(".tdgen") / "cache"  # relative to the repository root
