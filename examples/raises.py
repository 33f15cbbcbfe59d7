"""A data-processing script that fails the way real ones do: a KeyError deep down.

One order in the batch lacks its "price", and the error surfaces three calls below
the top level. pyexec4j prints the traceback as Python would and exits with status 1;
`--json` shows the same failure as data (exc_type, exc_info, exc_stack).

    ./pyexec4j run examples/raises.py
"""
ORDERS = [
    {"id": "A-1001", "items": [{"sku": "pen", "qty": 3, "price": 1.20}, {"sku": "ink", "qty": 1, "price": 6.50}]},
    {"id": "A-1002", "items": [{"sku": "pad", "qty": 2, "price": 3.10}]},
    {"id": "A-1003", "items": [{"sku": "pen", "qty": 10}]},  # no price: the bug in the data
]


def line_total(item):
    return item["qty"] * item["price"]


def order_total(order):
    return round(sum(line_total(item) for item in order["items"]), 2)


def summarize(orders):
    totals = {}
    for order in orders:
        totals[order["id"]] = order_total(order)
        print(f"{order['id']}: {totals[order['id']]:.2f}")
    return totals


summary = summarize(ORDERS)
print("grand total:", sum(summary.values()))
