"""Accounts with a balance in cents."""

from dataclasses import dataclass

OVERDRAFT_LIMIT_CENTS = 5000


@dataclass
class Account:
    name: str
    balance_cents: int = 0

    def can_pay(self, amount_cents: int) -> bool:
        return self.balance_cents - amount_cents >= -OVERDRAFT_LIMIT_CENTS

    def describe(self) -> str:
        euros = self.balance_cents / 100
        return f"{self.name}: {euros:.2f} EUR"
