"""Argument types shared by the commands' parsers: argparse reports a bad value with the option's name."""

import argparse
import math


def _number(value: str, ok, must: str) -> float:
    """``value`` as a finite float for which ``ok(number)`` holds; ``must`` says what it must be."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not (math.isfinite(number) and ok(number)):
        raise argparse.ArgumentTypeError(f"{value!r} must be {must}")
    return number


def positive_float(value: str) -> float:
    return _number(value, lambda x: x > 0, "a positive number")


def non_negative_float(value: str) -> float:
    return _number(value, lambda x: x >= 0, "zero or positive")


def fraction(value: str) -> float:
    return _number(value, lambda x: 0 <= x <= 1, "within [0, 1]")


def int_at_least(low: int):
    """An argparse type: whole numbers >= ``low``."""
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if number < low:
            raise argparse.ArgumentTypeError(f"{value!r} must be at least {low}")
        return number

    parse.__name__ = f"int>={low}"
    return parse
