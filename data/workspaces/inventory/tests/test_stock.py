from inventory import Item, Stock


def make_stock() -> Stock:
    stock = Stock()
    stock.add(Item("apple", 50, 10))
    stock.add(Item("pear", 80, 5))
    return stock


def test_add_merges_quantities() -> None:
    stock = make_stock()
    stock.add(Item("apple", 50, 2))
    assert stock.items["apple"].quantity == 12


def test_remove_returns_what_is_left() -> None:
    stock = make_stock()
    assert stock.remove("pear", 2) == 3


def test_total_value_counts_every_item() -> None:
    stock = make_stock()
    assert stock.total_value() == 50 * 10 + 80 * 5
