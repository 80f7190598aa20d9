"""The small chart beside a schedule: what is owed, falling with each payment, as SVG coordinates."""

from dataclasses import dataclass

WIDTH, HEIGHT = 320, 120


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    #: "x,y x,y ..." for a <polyline>: the balance after each payment, starting with the whole amount
    line: str
    #: the same, closed along the bottom, for the shaded <polygon> under it
    area: str


def balance_chart(start: int, payments: list[int], width: int = WIDTH, height: int = HEIGHT) -> Chart:
    """Balances start, start - p1, ... plotted left to right, the highest at the top."""
    balances = [start]
    for amount in payments:
        balances.append(max(balances[-1] - amount, 0))
    top = max(start, 1)
    steps = max(len(balances) - 1, 1)
    points = [
        (round(index * width / steps, 1), round(height - balance * height / top, 1))
        for index, balance in enumerate(balances)
    ]
    line = " ".join(f"{x:g},{y:g}" for x, y in points)
    return Chart(width, height, line, f"0,{height} {line} {width},{height}")
