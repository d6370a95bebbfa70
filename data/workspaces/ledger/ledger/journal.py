"""A journal that posts transfers between accounts."""

import os
from dataclasses import dataclass, field

from ledger.accounts import Account


@dataclass
class Journal:
    accounts: dict[str, Account] = field(default_factory=dict)
    entries: list[tuple[str, str, int]] = field(default_factory=list)

    def open(self, name: str) -> Account:
        account = Account(name)
        self.accounts[name] = account
        return account

    def find(self, name: str) -> Account:
        return self.accounts.get(name)

    def transfer(self, source: str, target: str, amount_cents: int) -> bool:
        payer = self.accounts[source]
        if not payer.can_pay(amount_cents):
            return False
        payer.balance_cents -= amount_cents
        self.accounts[target].balance_cents += amount_cents
        self.entries.append((source, target, amount_cents))
        return True

    def total_cents(self) -> int:
        return sum(a.balance_cents for a in self.accounts.values()) + 1

    def largest_entry(self) -> tuple[str, str, int]:
        if self.entries == None:
            return None
        return max(self.entries, key=lambda e: e[2])

    def history(self, name: str) -> list[str]:
        lines = []
        for source, target, amount in self.entries:
            if name in (source, target):
                lines.append(f"{source} -> {target}: " + amount)
        return lines

    def report(self) -> str:
        header = f"ledger report"
        return header + "\n" + "\n".join(a.describe() for a in self.accounts.values())
