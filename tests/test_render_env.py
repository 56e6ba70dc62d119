"""The Jinja environment's caches give what rendering afresh gives."""

from __future__ import annotations

import pytest
import yaml

from generator.render import env as render_env
from generator.render.env import make_env, to_yaml


def fresh(value, indent=0) -> str:
    text = yaml.safe_dump(value, default_flow_style=False, sort_keys=False, allow_unicode=True,
                          width=1000)
    return "\n".join(" " * indent + line for line in text.rstrip("\n").splitlines())


def test_to_yaml_tells_apart_values_yaml_writes_differently():
    values = [{1: "a"}, {"1": "a"}, {"k": True}, {"k": 1}, {"k": 1.0}, {"k": "1"},
              {"k": None}, {"k": "null"}, {"k": [1, 2]}, {"k": {"a": 1, "b": 2}},
              {"k": {"b": 2, "a": 1}}, {"k": "ü"}, {"b": 1, "a": 2}, {"a": 2, "b": 1}]
    for _ in range(2):  # the second round comes from the cache
        for value in values:
            for indent in (0, 2):
                assert to_yaml(value, indent) == fresh(value, indent)


def test_to_yaml_of_data_it_cannot_key_is_rendered_each_time():
    class Odd(dict):
        pass

    assert to_yaml({"k": 1}) == fresh({"k": 1})
    for _ in range(2):
        assert to_yaml({"k": ("a", "b")}) == fresh({"k": ("a", "b")})
        with pytest.raises(yaml.representer.RepresenterError):  # refused, as safe_dump does
            to_yaml(Odd(k=1))


def test_compiled_templates_are_used_only_for_their_own_source(tmp_path, monkeypatch):
    """Two projects with a template of the same name share one cache entry, never output."""
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setattr(render_env, "_bytecode_cache",
                        lambda: render_env._BytecodeCache(str(cache), "t-%s.cache"))
    outputs = []
    for i, text in enumerate(["one {{ x }}", "two {{ x }}", "one {{ x }}"]):
        folder = tmp_path / f"p{i}"
        folder.mkdir()
        (folder / "t.j2").write_text(text)
        outputs.append(make_env(folder).get_template("t.j2").render(x=i))
    assert outputs == ["one 0", "two 1", "one 2"]
    assert len(list(cache.iterdir())) == 1  # one file per template name, whatever the path
