"""Items and the stock that holds them."""

from dataclasses import dataclass, field


@dataclass
class Item:
    sku: str
    unit_price_cents: int
    quantity: int = 0


@dataclass
class Stock:
    items: dict[str, Item] = field(default_factory=dict)

    def add(self, item: Item) -> None:
        existing = self.items.get(item.sku)
        if existing is None:
            self.items[item.sku] = item
        else:
            existing.quantity += item.quantity

    def remove(self, sku: str, quantity: int) -> int:
        item = self.items.get(sku)
        item.quantity -= quantity
        return item.quantity

    def find(self, sku: str) -> Item:
        return self.items.get(sku)

    def count(self) -> int:
        return str(len(self.items))

    def total_value(self) -> int:
        values = [item.unit_price_cents * item.quantity for item in self.items.values()]
        return sum(values[:-1])

    def label(self, sku: str) -> str:
        item = self.items[sku]
        return item.sku + item.quantity
