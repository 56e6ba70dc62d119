"""``tdgen guess``: TD's connector guess fills in a file object's parser (delimiter, header,
``columns`` with types), written into the spec under the object's ``params``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, UsageError
from .config import TdConfig
from .connector_api import fill, guess


@dataclass
class Guessed:
    spec: Path
    parser: dict
    text: str  # the spec with the parser written in


def guess_parser(root: Path, config: TdConfig, source: str, obj: str) -> Guessed:
    import yaml

    from ..spec.edit import set_object_param
    from .preview import _loads, _source, default_window, lag_of, load_config_text
    from .secrets import load_credentials

    project, s = _source(root, source)
    if "parser" not in s.connector.params:
        raise UsageError(f"{s.name}: {s.connector.type} reads no files, so it has no parser to "
                         "guess (guess works for S3, SFTP, GCS, FTP, Azure and the other file "
                         "connectors)")
    [load] = _loads(s, [obj])
    text = load_config_text(project, s, load, *default_window(lag_of(s)))
    seed = fill(text, s.spec.td_authentication_id, load_credentials(root) if s.secrets else {})
    seed["in"].pop("parser", None)
    parser = guess(config, {"in": seed["in"], "out": {"mode": load.mode}}).get("parser")
    if not isinstance(parser, dict):
        raise ConfigError(f"{s.name} / {obj}: TD's guess returned no parser; check the object's "
                          "path_prefix (the guess reads the files under it)")
    found = next(x for x in project.sources if x.spec.source == s.name)
    path = root / found.path
    index = next(i for i, o in enumerate(found.spec.objects) if o.name == obj)
    new = set_object_param(path.read_text(encoding="utf-8"), index, "parser", parser,
                           found.path)
    yaml.safe_load(new)
    return Guessed(path, parser, new)


def write_guessed(root: Path, found: Guessed) -> None:
    """Write the spec with its parser; if the project no longer loads, put the old text back
    and fail."""
    from ..errors import TdgenError
    from ..spec.project import load_project

    old = found.spec.read_text(encoding="utf-8")
    found.spec.write_text(found.text, encoding="utf-8")
    try:
        load_project(root)
    except TdgenError:
        found.spec.write_text(old, encoding="utf-8")
        raise
