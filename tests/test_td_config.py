"""TD settings: sites, explicit endpoints, the config file, precedence, and a key never shown."""

from __future__ import annotations

import pytest

from generator.errors import ConfigError
from generator.td.config import MIB, TdConfig, load_config, parse_size, redact

KEY = "1/abcdef0123456789-secret"


@pytest.mark.parametrize("site, api, workflow", [
    ("us", "https://api.treasuredata.com", "https://api-workflow.treasuredata.com"),
    ("eu01", "https://api.eu01.treasuredata.com", "https://api-workflow.eu01.treasuredata.com"),
    ("ap01", "https://api.treasuredata.co.jp", "https://api-workflow.treasuredata.co.jp"),
    ("ap02", "https://api.ap02.treasuredata.com", "https://api-workflow.ap02.treasuredata.com"),
])
def test_a_site_gives_both_endpoints(tmp_path, site, api, workflow):
    config = load_config(tmp_path, {"TD_SITE": site, "TD_API_KEY": KEY})
    assert (config.api_endpoint, config.workflow_endpoint) == (api, workflow)
    assert config.api_key == KEY


def test_the_default_is_the_us_site_and_no_key(tmp_path):
    config = load_config(tmp_path, {})
    assert config.api_endpoint == "https://api.treasuredata.com"
    assert config.api_key is None
    with pytest.raises(ConfigError, match="TD_API_KEY"):
        config.require_key()


def test_an_unknown_site_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="unknown TD site 'jp'.*us, eu01, ap01, ap02"):
        load_config(tmp_path, {"TD_SITE": "jp"})


def test_explicit_endpoints_win_over_the_site_and_get_a_scheme(tmp_path):
    config = load_config(tmp_path, {"TD_SITE": "eu01", "TD_API_ENDPOINT": "api.example.test/",
                                    "TD_WORKFLOW_ENDPOINT": "http://127.0.0.1:8080"})
    assert config.api_endpoint == "https://api.example.test"
    assert config.workflow_endpoint == "http://127.0.0.1:8080"


def test_the_config_file_is_read_and_the_environment_wins(tmp_path):
    (tmp_path / ".tdgen").mkdir()
    (tmp_path / ".tdgen" / "config.yml").write_text(
        f"api_key: {KEY}\nsite: ap02\nmax_archive_size: 512KiB\nmax_retry_delay: -1\n")
    from_file = load_config(tmp_path, {})
    assert from_file.api_key == KEY
    assert from_file.workflow_endpoint == "https://api-workflow.ap02.treasuredata.com"
    assert from_file.max_archive_bytes == 512 * 1024 and from_file.max_retry_delay == -1
    overridden = load_config(tmp_path, {"TD_API_KEY": "other", "TD_SITE": "us"})
    assert overridden.api_key == "other"
    assert overridden.api_endpoint == "https://api.treasuredata.com"


def test_an_unknown_setting_in_the_file_is_named(tmp_path):
    (tmp_path / ".tdgen").mkdir()
    (tmp_path / ".tdgen" / "config.yml").write_text("apikey: x\n")
    with pytest.raises(ConfigError, match="unknown setting.*apikey"):
        load_config(tmp_path, {})


def test_sizes():
    assert parse_size(2097152, "x") == 2 * MIB
    assert parse_size("2MiB", "x") == 2 * MIB
    with pytest.raises(ConfigError, match="not a size"):
        parse_size("2 GB", "x")


def test_the_key_is_masked_in_the_repr_and_in_messages():
    config = TdConfig(api_key=KEY, api_endpoint="https://a", workflow_endpoint="https://w")
    assert KEY not in repr(config) and KEY not in str(config) and "****" in repr(config)
    assert redact(f"401: bad credentials TD1 {KEY}", KEY) == "401: bad credentials TD1 ****"
