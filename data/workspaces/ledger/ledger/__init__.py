"""A tiny double-entry ledger."""

from ledger.accounts import Account
from ledger.journal import Journal

__all__ = ["Account", "Journal"]
