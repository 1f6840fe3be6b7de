"""The admin's YAML config: loading, validation, line-exact problems."""

from router.config.errors import ConfigError, Problem
from router.config.loader import DEFAULT_PATH, config_path, load_config
from router.config.model import Config, FeeSchedule, ImapAccount, Period, Region, Rule, Seller

__all__ = [
    "DEFAULT_PATH",
    "Config",
    "ConfigError",
    "FeeSchedule",
    "ImapAccount",
    "Period",
    "Problem",
    "Region",
    "Rule",
    "Seller",
    "config_path",
    "load_config",
]
