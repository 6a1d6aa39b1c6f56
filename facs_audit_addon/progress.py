"""Progress of a batch on stderr: one updating line on a terminal, one line per rig in a log.

Both say done/total, the rate and the time left (from the rate so far), so a farm log and a person
at a terminal see the same thing. stdout is never touched: it carries the report.
"""

import sys
import time


class Progress:
    def __init__(self, total, stream=None, clock=time.monotonic):
        self.total = total
        self.stream = stream or sys.stderr
        self.clock = clock
        self.start = clock()
        self.done = 0
        self.live = _is_terminal(self.stream)
        self._open = False  # a live line is on screen and has no newline yet

    def step(self, path):
        """One more file finished."""
        self.done += 1
        if self.total < 2:
            return
        status = f"[{self.done}/{self.total}] {path} ({self._speed()})"
        if self.live:
            self._write(f"\r\033[Kfacs-audit: {status}")
            self._open = True
            if self.done == self.total:
                self.close()
        else:
            self._write(f"facs-audit: {status}\n")

    def message(self, line):
        """A line of its own (an input error) that must not be overwritten by the live line."""
        if self._open:
            self._write("\r\033[K")
            self._open = False
        self._write(line + "\n")

    def close(self):
        if self._open:
            self._write("\n")
            self._open = False

    def _speed(self):
        elapsed = max(self.clock() - self.start, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0.0
        return f"{rate:.2f} rigs/s, {_duration(left)} left"

    def _write(self, text):
        self.stream.write(text)
        self.stream.flush()


def _duration(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _is_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
