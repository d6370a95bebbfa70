"""A matcher for five-field cron expressions."""

from cronlite.fields import FIELD_RANGES, parse_field
from cronlite.schedule import Schedule

__all__ = ["FIELD_RANGES", "Schedule", "parse_field"]
