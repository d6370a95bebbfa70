from tabular import column_max, column_mean, parse_table

TEXT = "name,price,qty\napple,0.5,10\npear,0.8,4\nplum,0.3,6\nkiwi,0.4,8\n"


def test_parse_header() -> None:
    assert parse_table(TEXT).header == ["name", "price", "qty"]


def test_parse_rows() -> None:
    assert len(parse_table(TEXT).rows) == 4


def test_column_max() -> None:
    assert column_max(parse_table(TEXT), "qty") == 10.0


def test_column_mean() -> None:
    assert column_mean(parse_table(TEXT), "qty") == 7.0
