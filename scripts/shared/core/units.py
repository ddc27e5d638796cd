"""Sizes, rates and durations as people read them ("1.4 GiB", "3.2 MiB/s", "2 min 5 s"), in logs, errors and
emails; the exact byte count stays in the database and the CSV files."""

_UNITS = ("KiB", "MiB", "GiB", "TiB")


def human_size(count):
    """``count`` bytes in binary units: "0 bytes", "900 bytes", "1.5 KiB", "12.0 MiB", "2.00 GiB"."""
    if count is None:
        return "unknown size"
    count = int(count)
    if count < 1024:
        return "{} byte{}".format(count, "" if count == 1 else "s")
    value = float(count)
    for unit in _UNITS:
        value /= 1024.0
        if value < 1024 or unit == _UNITS[-1]:
            return "{:.{}f} {}".format(value, 2 if value < 10 and unit in ("GiB", "TiB") else 1, unit)


def human_rate(bytes_per_second):
    return "{}/s".format(human_size(int(bytes_per_second or 0)))


def human_duration(seconds):
    """"45 s", "2 min 5 s", "1 h 20 min"; None (not known yet) as "unknown"."""
    if seconds is None:
        return "unknown"
    seconds = int(round(seconds))
    if seconds < 60:
        return "{} s".format(seconds)
    if seconds < 3600:
        return "{} min {} s".format(seconds // 60, seconds % 60)
    return "{} h {} min".format(seconds // 3600, seconds % 3600 // 60)
