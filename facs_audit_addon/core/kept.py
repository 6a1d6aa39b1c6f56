"""Whole-head measures kept from one audit to the next audit of the same head.

The panel's audit after a re-audit, each round of ``fix``, ``diff`` of two deliveries and a batch of
one character's variants measure the same basis again. The face frame, the mirror plane, the mirror
map, the region masks and the mesh graph are pure functions of their inputs (the basis, its peak
motion and landmarks, the frame, the rules), so the last few results are kept, keyed by the exact bytes of every input: a hit is what the call computes.
Kept results are made read-only, so no caller can change what a later audit reads.
"""

import hashlib
from collections import OrderedDict
from dataclasses import fields, is_dataclass
from functools import wraps

import numpy as np

#: Results kept per function: an audit and its re-audits, a diff's two deliveries, a few variants.
KEPT = 4

_STORES = []


def forget_all():
    """Empty every store (what a fresh process has): for benchmarks."""
    for store in _STORES:
        store.clear()


def kept(function):
    """Decorator: keep the last KEPT results of ``function`` by the fingerprint of its arguments."""
    store = OrderedDict()
    _STORES.append(store)

    @wraps(function)
    def call(*args, **kwargs):
        held = []  # objects keyed by identity stay alive while their entry does: no id is reused
        key = fingerprint((args, sorted(kwargs.items())), held)
        entry = store.get(key)
        if entry is not None:
            store.move_to_end(key)
            return entry[0]
        result = function(*args, **kwargs)
        _freeze(result)
        store[key] = (result, held)
        if len(store) > KEPT:
            store.popitem(last=False)
        return result

    return call


def fingerprint(value, held):
    """A hashable key equal for equal inputs: arrays by shape, dtype and a digest of their bytes,
    dataclasses by their fields, containers by their items, other objects by identity."""
    if isinstance(value, np.ndarray):
        data = np.ascontiguousarray(value)
        digest = hashlib.blake2b(data.view(np.uint8).reshape(-1), digest_size=16).digest()
        return ("array", data.shape, data.dtype.str, digest)
    if value is None or isinstance(value, (bool, int, float, str, bytes, np.generic)):
        return (type(value).__name__, repr(value))  # repr: a NaN input matches itself
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, tuple(fingerprint(item, held) for item in value))
    if isinstance(value, dict):
        return ("dict", tuple((repr(k), fingerprint(v, held)) for k, v in sorted(value.items(), key=repr)))
    if is_dataclass(value) and not isinstance(value, type):
        return (type(value).__qualname__, tuple(fingerprint(getattr(value, f.name), held) for f in fields(value)))
    held.append(value)
    return ("object", id(value))


def _freeze(value):
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, (tuple, list)):
        for item in value:
            _freeze(item)
    elif isinstance(value, dict):
        for item in value.values():
            _freeze(item)
    elif is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            _freeze(getattr(value, f.name))
