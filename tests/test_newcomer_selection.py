"""Issue 13: every option that selects something is checked; tdgen.yml is validated like a spec."""

from __future__ import annotations

from click.testing import CliRunner

from generator.checks.runner import known_rules
from generator.cli import cli


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_every_rule_a_check_case_expects_is_known():
    from pathlib import Path

    cases = Path(__file__).parent / "cases" / "check"
    import re

    expected = set(re.findall(r"\b((?:digdag|expr|sql|load-config|references)/[a-z0-9-]+)\]",
                              "".join(p.read_text() for p in cases.glob("*.yml"))))
    assert expected and expected <= known_rules()


def test_an_unknown_select_rule_is_a_usage_error_with_did_you_mean(project):
    result = invoke("check", "--root", str(project), "--select", "sql/sintax")
    assert result.exit_code == 2
    assert "error: --select sql/sintax: unknown rule or check 'sql/sintax'; did you mean " \
           "'sql/syntax'?" in result.output


def test_an_unknown_ignored_check_on_a_path_is_a_usage_error(project):
    result = invoke("check", str(project / "workflows"), "--ignore", "digdg")
    assert result.exit_code == 2
    assert "--ignore digdg: unknown rule or check 'digdg'; did you mean 'digdag'?" in \
        result.output


def test_known_ids_and_yamllint_rules_are_accepted(project):
    result = invoke("check", str(project / "workflows"), "--select", "expr/es5", "--ignore",
                    "style/line-length", "--select", "timestamp")
    assert result.exit_code == 0, result.output


def test_tdgen_yml_check_select_is_an_error_at_its_position(project):
    with (project / "tdgen.yml").open("a") as f:
        f.write("check:\n  select: [sql/sintax]\n")
    result = invoke("check", "--root", str(project))
    assert result.exit_code == 2
    line = (project / "tdgen.yml").read_text().count("\n")
    assert f"tdgen.yml:{line}:12: error: check/select/0: unknown rule or check 'sql/sintax'; " \
           "did you mean 'sql/syntax'?" in result.output


def test_tdgen_check_yml_ignore_is_an_error_at_its_position(project):
    (project / "workflows" / ".tdgen-check.yml").write_text("ignore:\n  - references/secrt-key\n")
    result = invoke("check", str(project / "workflows"), "--no-style")
    assert result.exit_code == 2
    assert ".tdgen-check.yml:2:5: error: ignore/0: unknown rule or check " \
           "'references/secrt-key'; did you mean 'references/secret-key'?" in result.output


def test_a_bad_timezone_in_tdgen_yml_points_at_tdgen_yml(project):
    text = (project / "tdgen.yml").read_text().replace("timezone: UTC", "timezone: Asia/Tokio")
    (project / "tdgen.yml").write_text(text)
    result = invoke("generate", "--root", str(project))
    assert result.exit_code == 2
    assert "tdgen.yml:4:11: error: timezone: Unknown time zone name 'Asia/Tokio'; did you " \
           "mean 'Asia/Tokyo'?" in result.output
    assert "nothing was written" in result.output


def test_a_bad_runner_schedule_in_tdgen_yml_points_at_tdgen_yml(project):
    text = (project / "tdgen.yml").read_text().replace('daily>: "01:00:00"', "dayly>: 1")
    (project / "tdgen.yml").write_text(text)
    result = invoke("generate", "--root", str(project))
    assert result.exit_code == 2
    assert "error: runner/schedule: unknown schedule 'dayly>'; did you mean 'daily>'?" in \
        result.output
    assert "tdgen.yml:14:" in result.output


def test_an_offset_and_an_iana_zone_are_accepted(project):
    for zone in ("+09:00", "Asia/Tokyo"):
        text = (project / "tdgen.yml").read_text()
        (project / "tdgen.yml").write_text(text.replace("timezone: UTC", f"timezone: {zone}"))
        from generator.spec.project import load_settings

        assert load_settings(project).timezone == zone
        (project / "tdgen.yml").write_text(text)


def test_selecting_the_spec_check_keeps_its_schema_and_yaml_errors(project):
    spec = project / "sources" / "klaviyo.yml"
    spec.write_text(spec.read_text().replace("\nparallel:", "\nparalel:"))
    for selector in ("spec", "spec-schema"):
        result = invoke("check", "--root", str(project), "--select", selector)
        assert result.exit_code == 1, (selector, result.output)
        assert "unknown key 'paralel'; did you mean 'parallel'? [spec-schema]" in result.output
    spec.write_text("objects: [\n")
    result = invoke("check", "--root", str(project), "--select", "yaml-syntax")
    assert result.exit_code == 1 and "[yaml-syntax]" in result.output
