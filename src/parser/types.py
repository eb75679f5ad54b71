"""Argument types shared by the commands' parsers: argparse reports a bad value with the option's name."""

import argparse
import math

from src.config import MAX_DURATION_S, MIN_DURATION_S


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


def float_in(low: float, high: float):
    """An argparse type: finite numbers in [``low``, ``high``] (the ranges of ``src.config``)."""
    def parse(value: str) -> float:
        return _number(value, lambda x: low <= x <= high, f"within [{low:g}, {high:g}]")

    parse.__name__ = f"number in [{low:g}, {high:g}]"
    return parse


def int_in(low: int, high: int):
    """An argparse type: whole numbers in [``low``, ``high``]."""
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{value!r} must be within [{low}, {high}]")
        return number

    parse.__name__ = f"int in [{low}, {high}]"
    return parse


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


def parse_duration(value: str, where: str = "duration") -> float:
    """Seconds from a string; ValueError naming ``where`` unless a number in [MIN_DURATION_S, MAX_DURATION_S]."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {value!r} is not a number of seconds") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"{where}: {value!r} must be a positive number of seconds")
    if seconds > MAX_DURATION_S:
        raise ValueError(f"{where}: {seconds:g} s is longer than the maximum of {MAX_DURATION_S:g} s")
    if seconds < MIN_DURATION_S:
        raise ValueError(f"{where}: {seconds:g} s is shorter than the minimum of {MIN_DURATION_S:g} s")
    return seconds


def duration_arg(value: str) -> float:
    """--duration: seconds in [MIN_DURATION_S, MAX_DURATION_S]."""
    try:
        return parse_duration(value, "seconds")
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
