"""Sizes, rates and durations as people read them (issue 24.10)."""
from scripts.shared.core.units import human_duration, human_rate, human_size


def test_sizes_in_binary_units():
    assert human_size(0) == "0 bytes" and human_size(1) == "1 byte" and human_size(1023) == "1023 bytes"
    assert human_size(1536) == "1.5 KiB" and human_size(100000) == "97.7 KiB"
    assert human_size(50 * 1024 * 1024) == "50.0 MiB" and human_size(2 * 1024 ** 3) == "2.00 GiB"
    assert human_size(10737418240) == "10.0 GiB" and human_size(None) == "unknown size"


def test_rates_and_durations():
    assert human_rate(3.5 * 1024 * 1024) == "3.5 MiB/s" and human_rate(0) == "0 bytes/s"
    assert human_duration(45) == "45 s" and human_duration(125) == "2 min 5 s"
    assert human_duration(4800) == "1 h 20 min" and human_duration(None) == "unknown"
