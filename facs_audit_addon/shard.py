"""``--shard I/N``: one of N stable, size-balanced parts of a batch, for farms.

Every farm task computes the same split on its own from the same inputs: files are dealt biggest
first (ties by path) to the shard with the fewest bytes so far (ties to the lowest shard), so the
split depends only on the paths and their sizes, never on the order they were listed in or on the
machine. A shard audits its files in input order and records their positions, so ``merge`` can put
the shard reports back together in the order a single run would have reported them.
"""

import argparse
import os


def parse_shard(text):
    """``I/N`` (1-based) -> (I, N); argparse type."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected I/N like 2/8, got '{text}'") from None
    if count < 1 or not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"shard {text}: I must be between 1 and N")
    return index, count


def split(files, count):
    """Shard number (0-based) of each file: a list parallel to ``files``."""
    sizes = [_size(path) for path in files]
    loads = [0] * count
    owner = [0] * len(files)
    for position in sorted(range(len(files)), key=lambda i: (-sizes[i], files[i], i)):
        target = min(range(count), key=lambda s: (loads[s], s))
        owner[position] = target
        loads[target] += max(sizes[position], 1)
    return owner


def select(files, index, count):
    """``(positions, files)`` of shard ``index`` (1-based) of ``count``, in input order."""
    owner = split(files, count)
    positions = [i for i, shard in enumerate(owner) if shard == index - 1]
    return positions, [files[i] for i in positions]


def shard_record(index, count, files, positions):
    """The JSON ``shard`` entry of a shard report: which part, and each file's place in the whole batch."""
    return {"index": index, "count": count, "inputs": len(files),
            "files": [{"position": p, "file": files[p]} for p in positions]}


def _size(path):
    try:
        return os.path.getsize(path)
    except OSError:  # a missing file still gets a shard: its task reports it
        return 0
