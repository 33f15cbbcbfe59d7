"""pyexec4j worker: the Python half of pyexec4j. Standard library only, Python 3.9+.

One process of this file runs as the *zygote*: it starts once per Interpreter, pays
Python's one-time costs (imports, the first compile, optional preloads) and then forks a
*session worker* for every fresh interpreter state the Java side asks for.

Channels (see Zygote and Worker below):
- zygote <-> Java: the zygote's stdin (commands) and stdout (replies), JSON lines.
- worker <-> Java: three connections to the Interpreter's Unix socket: "control" (JSON
  lines both ways, including the output written through sys.stdout/sys.stderr, in write
  order and tagged), "stdout" and "stderr" (the raw bytes of file descriptors 1 and 2, so
  output of subprocesses, C code and os.write is captured too).
"""

import _socket
import _thread
import bisect
import copy
import builtins
import ctypes
import errno
import faulthandler
import fcntl
import functools
import gc
import io
import itertools
import json
import linecache
import os
import resource
import select
import selectors
import signal
import _signal
import socket
import subprocess
import sys
import termios
import threading
import time
import traceback
import types
import warnings

# The engine's own binding of every builtin: code that replaces or deletes one in the builtins
# module (builtins.len = lambda x: 0) changes its own calls, not the engine's, which would
# otherwise take nothing from the output buffer, or fail at every step
globals().update((name, value) for name, value in vars(builtins).items() if not name.startswith("__"))

PROTOCOL_VERSION = "1"
PR_SET_CHILD_SUBREAPER = 36
ENGINE_FDS_FROM = 900  # the engine's own descriptors go from here up (see _engine_fd)
SEND_BUFFER_BYTES = 4 << 20  # asked for each connection to the host (the kernel caps it at net.core.wmem_max)
FLUSH_AFTER_SECONDS = 0.005
QUIET_TICK_SECONDS = 0.05  # the engine thread's tick once the code has stopped writing
# The engine thread's first tick after a run whose ticks sent nothing: a waking thread waits
# for the GIL in 5 ms steps while the code is in C (say sum()), a thread switch each
QUIET_START_SECONDS = 0.05
FRAME_CHARS = 16 << 20  # the most characters an output frame carries; a longer write is cut
FRAME_WRITES = 1 << 17  # and the most writes: the host reads a frame in a few ms
FLUSH_TAKE = 4 * FRAME_WRITES  # the most writes a tick of the engine thread takes
FLOOD_TAKE = 16 * FRAME_WRITES  # and in a run that floods it (the host reads them in ~0.2 s)
PAST_HEAD_TAKE = 16 * FRAME_WRITES  # a tick's step past the head of the output (counted, not sent)
PAST_HEAD_STEPS = 16  # the most steps a tick makes
END_GROUP_WRITES = 64  # the most writes that go with a run's result, as JSON, rather than as frames
END_GROUP_CHARS = 1 << 16  # and the most characters
BACKLOG_WRITES = 1 << 17  # this many writes waiting at a tick: the writing threads flush themselves
BACKLOG_BYTES = 32 << 20  # or this many bytes
PACK_AT_WRITES = 64  # a run of one stream's writes this long, or PACK_AT_CHARS, is packed
PACK_AT_CHARS = 1 << 16
REINTERRUPT_EVERY_SECONDS = 1.0
CPU_KILL_AFTER_SECONDS = 2  # CPU time past the limit (SIGXCPU) until SIGKILL
LATE_DROP_EVERY_SECONDS = 0.02  # while threads of ended runs are alive, between runs
HURRY_SWITCH_SECONDS = 0.0005  # the GIL's switch interval while a run ends with threads running
# A deeper traceback keeps its innermost frames, as when CPython prints one itself: a
# recursion under a raised limit leaves a million, and formatting all took seconds
MAX_TRACEBACK_FRAMES = 1000
# An exception's texts go in the run's result message, which the host takes up to 256 MiB:
# longer ones keep their head and tail (a message of a few hundred MB had the worker killed)
TRACEBACK_CHARS = 8 << 20  # the traceback's text
EXC_INFO_CHARS = 8 << 20  # exc_info's strings together (each arg at least EXC_ARG_CHARS)
EXC_ARG_CHARS = 8 << 10
EXC_ARGS = 1000  # the most args exc_info lists
CAUSE_CHARS = 64 << 10  # the message of each exception chained to it

try:
    _libc = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover - no libc to talk to
    _libc = None


def _prctl(option, value):
    if _libc is not None:
        _libc.prctl(option, value, 0, 0, 0)


def _flush_c_stdio():
    """C extensions write through stdio, which buffers when fd 1 is not a terminal."""
    if _libc is not None:
        _libc.fflush(None)


# one encoder for every message: json.dumps with arguments builds a new one per call
_ENCODE = json.JSONEncoder(separators=(",", ":")).encode


# the host's command lines, decoded without json.loads's encoding detection and
# whitespace checks (the host writes them, one object per line)
_DECODE_COMMAND = json.JSONDecoder().raw_decode
_JSON_STRING = json.encoder.encode_basestring_ascii  # C: a str as a JSON string


def _dumps(obj):
    # ASCII with \u escapes is json's C fast path (twice as fast as UTF-8 for big output), and
    # carries lone surrogates too: the Java side turns those into U+FFFD
    return _ENCODE(obj).encode("ascii")


def _children_of(pid):
    """Direct children of pid, from /proc (every thread's list)."""
    result = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    result.extend(int(p) for p in f.read().split())
            except OSError:
                pass
    except OSError:
        pass
    return result


def _descendants_of(pid):
    seen, todo = [], [pid]
    while todo:
        for child in _children_of(todo.pop()):
            if child not in seen:
                seen.append(child)
                todo.append(child)
    return seen


def _signal_all(pids, sig):
    for pid in pids:
        try:
            _OS_KILL(pid, sig)
        except OSError:
            pass


def kill_tree(root, include_root=True):
    """Stops the whole tree first (so a fork bomb cannot outrun us), then kills it."""
    stopped = set()
    for _ in range(50):
        tree = _descendants_of(root)
        fresh = [p for p in tree if p not in stopped]
        if include_root and root not in stopped:
            fresh.append(root)
        if not fresh:
            break
        _signal_all(fresh, signal.SIGSTOP)
        stopped.update(fresh)
    _signal_all(stopped, signal.SIGKILL)


# --------------------------------------------------------------------------- output


class OutputBuffer:
    """Python-level output of both streams, in write order, sent in frames.

    Each write is kept as its own string (as the reference keeps them), in one list: a
    stdout write is the list's own append, C code with no frame of ours (it is the hot
    path of every print; like the reference's write it returns None), a stderr write is
    appended as a (text, _STDERR) pair to tell it apart. What is not a str is found when
    the writes are sent, not at each write: a str subclass is sent as its value (its
    __str__ not called, as io does), anything else as a note on stderr in its place (no
    code of the user's runs on the engine thread). The write functions stay the same from
    run to run, so one that code kept a reference to still writes.
    The engine thread takes what is there at its ticks, and the main thread before anything
    that may write at the file-descriptor level (forks, exec, os.write) and at the run's end.
    Before each frame a sync token goes down both raw streams: the Java side records the
    raw bytes before the token ahead of the frame, so Python-level and fd-level output keep
    their order. Many writes of one stream go as their UTF-8 bytes joined by NULs (no
    escaping, no JSON parsing on the Java side), a few long ones one frame each as their
    bytes; writes holding a NUL or a lone surrogate go as JSON. Writes after the run's end
    are dropped; so are writes from a thread an earlier run started, never put in another
    run's result.
    """

    def __init__(self, channel):
        self._channel = channel
        self._lock = threading.Lock()
        # The list of writes; a run while threads of earlier runs are alive gets a list of its
        # own, so that an append one of them kept (an earlier run's sys.stdout.write) writes
        # where nothing is taken from. Once they are gone, runs use this one again.
        self._home = []
        self._home_append = self._home.append
        self._writes = self._home
        self._plain_append = self._home_append
        self._append = self._plain_append  # what the write functions append with
        self._throttle_at = [BACKLOG_WRITES]  # the write functions flush themselves at this many writes
        self._take_at = [None]  # the engine thread's ticks take at most this many (set per run)
        # The write functions (stdout's bare append aside): one that finds a backlog flushes
        # it itself, so that threads writing faster than the host reads wait for it, as on a
        # full pipe, even through a write function they kept. It takes about a tick's worth:
        # an interrupt waits while this thread sends (see flush), so not for a whole backlog.
        self._writers = self._make_writers(self._plain_append, self._writes, self._flush_some, self._throttle_at)
        # the cells begin() and _use_list() set: every write function's append and list
        self._cells = {name: [w.__closure__[w.__code__.co_freevars.index(name)] for w in self._writers]
                       for name in ("append", "writes")}
        # a TypeError raised in a write shows the user's line, not these
        _HIDDEN_CODES.update(f.__code__ for f in (*self._writers, _dropped_write))
        self._run = None  # (run id, sync token, raw fds) while a run is active
        self._between = None  # during a tick's flush: the engine's deadline check
        self._frames = 0  # frames sent by the flush in progress
        self._sent_bytes = 0  # bytes of packed writes sent by that flush
        self._batch = None  # that flush's frames, when they go in one send
        self._end_at = None  # once the run's code has ended: how many writes are the run's
        self._limits, self._run_writes, self._run_bytes = None, 0, 0
        self._held = []  # the last writes past the head, for the tail (see _left_out_locked)
        self._left_writes = self._left_bytes = 0  # what the flush in progress left out
        self.sent_at_end = False  # the run's end sent frames: its code writes a lot (see Worker.run)
        self._head_closed = False  # the host's head is full (see _head_full)
        self._flooding = False  # a tick of this run found more than a frame's worth waiting
        self._main = threading.get_ident()
        self._streams = ()
        self.on_flood = lambda: None  # called by a tick that finds more than a frame's worth waiting

    def serve(self, stdout, stderr):
        """The streams whose write() this buffer sets for each run."""
        self._streams = (stdout, stderr)
        stdout.write = stderr.write = _dropped_write

    def begin(self, run_id, sync_token, raw_fds, other_threads, limits=None):
        """Starts a run. With other_threads (alive threads an earlier run may have started)
        each write checks which thread makes it; without, none can be late."""
        with self._lock:
            if other_threads:
                self._use_list([])
            else:
                self._use_list(self._home)
                self._home.clear()  # writes made since the last run ended are late
            self._run = (run_id, sync_token, raw_fds)
            self._end_at = None
            # the host's head and tail sizes (bytes, writes, bytes, writes), if it lets writes
            # be left out at the end (see _left_out_locked); what this run has sent so far
            self._limits, self._run_writes, self._run_bytes = limits, 0, 0
            self._held, self._head_closed = [], False
            # how many a tick takes is set from the size of this run's first writes
            self._throttle_at[0], self._take_at[0] = BACKLOG_WRITES, None
            self._flooding = False
            append = self._plain_append if not other_threads else self._on_time_only(run_id)
            if append is not self._append:
                # every write function, the ones code kept from earlier runs too, appends so now
                for cell in self._cells["append"]:
                    cell.cell_contents = append
                self._append = append
            # each write checked for the thread making it, or stdout's a bare append
            self._install_locked(self._writers if other_threads else (self._plain_append, self._writers[1]))

    def _use_list(self, writes):
        if writes is not self._writes:
            self._writes = writes
            self._plain_append = self._home_append if writes is self._home else writes.append
            for cell in self._cells["writes"]:
                cell.cell_contents = writes

    def _head_full(self):
        """Whether the host's head is full, by what this run has sent, or because the next
        write is longer than the room left in it: the host puts a write that does not fit
        in its tail, and all that follows too. (It counts every write and fd-level output
        fills its head too: this is exact or late, never early.)"""
        if not self._limits:
            return False
        if not self._head_closed:
            head_bytes, head_writes, _, _ = self._limits
            room = head_bytes - self._run_bytes
            waiting = self._held or self._writes
            following = waiting[0] if waiting else None
            self._head_closed = (self._run_writes >= head_writes or room < 0
                                 or (type(following) is str and len(following) > room))
        return self._head_closed

    def _left_out_locked(self, items, hold=False):
        """Past the host's head: of writes taken, only the last ones its tail holds are sent;
        the others go as their size. The host would have taken them all through its tail and
        dropped them, with all it holds there now: the result is the same, byte for byte.
        Done at every flush and at the run's end: nothing can slow down a thread writing
        through a kept sys.stdout.write (a C-level append), and sending its flood would take
        seconds and, with a few such threads, more memory than the worker has.
        With hold (every flush; not the run's end) the tail's writes are kept here until a
        later take: most are left out by the next one, and sending a tail (up to half the
        output limit) at every flush would cost as much as the flood. So fd-level output
        made meanwhile may reach the host's tail before them, and be counted as dropped in
        a flood where it would have been kept."""
        if hold and not items:  # nothing new (say, writers flushing after the code ended)
            return items
        if self._held:
            items, self._held = self._held + items, []
        if not self._limits:
            return items
        head = []
        if not self._head_full():
            fit = self._head_room(items)
            if fit >= len(items):
                return items
            # what may still fit in the head goes as it is; the rest is past it
            head, items = items[:fit], items[fit:]
            self._head_closed = True
        _, _, tail_bytes, tail_writes = self._limits
        kept, each = _tail_holding(items, tail_bytes, tail_writes)
        if kept is None:
            return head + items
        if kept < len(items):
            left_out = items[:-kept]
            if hold and _PYLIBC is not None:
                # a flush's skip goes in a send that keeps the GIL: a system call that let it
                # go would hand it to the writing threads, which then run until the switch
                # interval is up, and the backlog grows
                self._in_one_send_locked(lambda: self._skip_locked(left_out, each))
            else:
                self._skip_locked(left_out, each)
            items = items[-kept:]
        if hold:
            self._held = items
            return head
        return head + items

    def _head_room(self, items):
        """How many of these writes may still go to the host's head: at least as many as
        fit (characters stand for bytes, which are as many or more), all of them when
        they are not all exact strs (then nothing is left out)."""
        if not items:
            return 0
        head_bytes, head_writes, _, _ = self._limits
        n = min(len(items), head_writes - self._run_writes)
        room = head_bytes - self._run_bytes
        sample = items[:16]
        if n == len(items) and set(map(type, sample)) == _ONLY_STR and 2 * n * max(map(len, sample)) < room:
            return n  # by far (most runs: a tick's writes are not half the head)
        measurable, each = _sizes(items)
        if not measurable:
            return len(items)  # nothing is left out
        if each is not None:  # all one size: as many as fit
            return min(n, room // each) if each else n
        return bisect.bisect_right(list(itertools.accumulate(map(len, items[:n]))), room)

    def _skip_locked(self, left_out, each):
        """Sends the UTF-8 size of writes left out: each, when they are all one size (see
        _tail_holding), else they are exact strs to measure."""
        if each is not None:
            size = each * len(left_out)
        else:
            size = sum(map(len, left_out))
            if not all(map(str.isascii, left_out)):
                size += sum(len(t.encode("utf-8", "surrogatepass")) - len(t)
                            for t in itertools.filterfalse(str.isascii, left_out))
        self._frame({"t": "skip", "bytes": size})
        self._left_writes += len(left_out)
        self._left_bytes += size

    def drop_late(self):
        """Drops writes no run will take: made between runs, or into the first list while a
        run takes from a list of its own. Threads the code left writing through a kept
        sys.stdout.write (a C-level append) would otherwise grow them until the next run
        without such threads, or until the worker runs out of memory."""
        with self._lock:
            if self._run is None:
                self._writes.clear()
            if self._writes is not self._home:
                self._home.clear()

    def _install_locked(self, writers):
        self._streams[0].write, self._streams[1].write = writers

    def code_ended(self):
        """The run's code has ended: what threads it started write from now on is late,
        never sent (a kept stdout append cannot be taken back from them: a flood of such
        writes would otherwise hold the result back)."""
        with self._lock:
            self._end_at = len(self._writes)

    def end(self, max_writes, threads_running=False):
        """Ends the run. A few short writes still buffered (up to max_writes, END_GROUP_CHARS)
        are returned as groups, to go with the result; more are sent as frames now: with
        threads of the code still running, in one send that keeps the GIL (they would take
        it at every system call of a send that let it go, for as long as it sends)."""
        for stream in self._streams:
            stream.write = _dropped_write
        with self._lock:
            groups = []
            if threads_running and _PYLIBC is not None:
                self._in_one_send_locked(lambda: groups.extend(self._end_locked(max_writes)))
            else:
                groups = self._end_locked(max_writes)
            self._run = None
        return groups

    def _end_locked(self, max_writes):
        items = self._left_out_locked(self._take_locked())
        self._end_at = None
        if len(items) <= max_writes:
            items = _normalized(items)
        if len(items) > max_writes or _chars(items) > END_GROUP_CHARS:
            self._send_locked(items)
            self.sent_at_end = True
            return []
        return [[s, texts] for s, texts in _by_stream(items)]

    @staticmethod
    def _make_writers(append, writes, flush, limit):
        """The write() of stdout and of stderr, around an append that begin() sets for each
        run. A write that finds limit[0] writes waiting sends them itself: a thread that
        writes faster than the host takes its output waits for it, as with a pipe, instead
        of filling memory."""
        # named write: a wrong call's message says write(), as a file's would. What is not a
        # str is not refused here: as with stdout's plain append (and the reference's write,
        # which takes anything), the code goes on, and a note stands in its place when sent
        def write(text):
            append(text)
            if len(writes) >= limit[0]:
                flush()
            # None, as the reference's write returns (and stdout's plain append does)

        write_out = write

        def write(text):  # noqa: F811
            append((text, _STDERR))
            if len(writes) >= limit[0]:
                flush()

        write_out.__qualname__ = write.__qualname__ = "write"
        return write_out, write

    def _on_time_only(self, run_id):
        """An append that drops writes from threads an earlier run started."""
        main = self._main
        get_ident = threading.get_ident
        current_thread = threading.current_thread
        append = self._writes.append

        def append_on_time(item):
            if get_ident() == main or getattr(current_thread(), "_pyexec4j_run", None) in (None, run_id):
                append(item)

        _HIDDEN_CODES.add(append_on_time.__code__)
        return append_on_time

    def flush(self, sync=False, between_frames=None, bounded=False):
        """With sync, a sync token goes out even with nothing buffered: raw output written
        before it (say by a child that has finished) is then ordered before what follows.
        Returns whether Python-level output was sent.

        On the main thread an interrupt waits until what was taken is sent: raised in the
        middle, it would lose it, or leave half a frame on the connection.

        The engine thread's ticks pass between_frames (its deadline check, made between
        frames) and take at most FLUSH_TAKE writes, fewer when the writes are long (about
        BACKLOG_BYTES a tick). Code that writes faster than the host reads is made to wait,
        as it would on a full pipe: a tick that took BACKLOG_WRITES writes or BACKLOG_BYTES
        makes the writing threads flush themselves; and once a tick leaves more than a frame's
        worth behind, the run floods: each tick takes more and sends it in one send that
        keeps the GIL while it blocks (stdout's write is a C-level append, which a write
        function kept by the code reaches directly: only the GIL can hold it back)."""
        masked = threading.get_ident() == self._main
        if masked:
            _signal.pthread_sigmask(signal.SIG_BLOCK, _SIGINT_ONLY)  # C: no frame of signal.py
        try:
            with self._lock:
                if self._run is None:
                    return False
                if self._take_at[0] is None:
                    self._take_at[0] = _take_for(self._writes)
                most = self._take_at[0] if bounded else None
                if between_frames is not None:
                    most = min(FLOOD_TAKE, 4 * self._take_at[0]) if self._flooding else self._take_at[0]
                ticking = between_frames is not None
                past_head = ticking and self._head_full()
                if past_head:  # only the tail's worth is sent: the backlog goes in big steps
                    most = PAST_HEAD_TAKE
                    if len(self._writes) > FRAME_WRITES:
                        self.on_flood()
                items = self._take_locked(most)
                taken, self._left_writes, self._left_bytes = len(items), 0, 0
                # past the head, the tail's worth waits for the run's end, also when the
                # code writes at the fd level (a flush per os.write would send it)
                items = self._left_out_locked(items, hold=True)
                steps = 1  # the deadline checked between them
                while (past_head and not items and len(self._writes) >= PAST_HEAD_TAKE
                       and steps < PAST_HEAD_STEPS and not between_frames()):
                    more = self._take_locked(PAST_HEAD_TAKE)
                    taken += len(more)
                    items = self._left_out_locked(more, hold=True)
                    steps += 1
                if self._left_writes >= BACKLOG_WRITES or self._left_bytes >= BACKLOG_BYTES:
                    # the code writes faster than the ticks count it: the writing threads
                    # count it themselves from now on (see _throttle_locked)
                    self._throttle_locked(max(1, self._left_bytes // self._left_writes))
                if items:
                    self._between, self._frames, self._sent_bytes = between_frames, 0, 0
                    try:
                        # (never without libc to call: only its send can keep the GIL)
                        if ticking and _PYLIBC is not None and (self._flooding or len(self._writes) > FRAME_WRITES):
                            self._flooding = True  # for the rest of the run
                            self.on_flood()
                            self._between = None
                            self._in_one_send_locked(lambda: self._send_locked(items))
                        else:
                            self._send_locked(items)
                    finally:
                        self._between = None
                    # about BACKLOG_BYTES at a time, whatever the size of the writes
                    per_write = max(1, self._sent_bytes // len(items))
                    self._take_at[0] = max(PACK_AT_WRITES, min(FLUSH_TAKE, BACKLOG_BYTES // per_write))
                    if len(items) >= BACKLOG_WRITES or self._sent_bytes >= BACKLOG_BYTES:
                        self._throttle_locked(per_write)
                    return True
                if sync:
                    self._frame({"t": "out", "g": []})
                return taken > 0  # past the head: counted, not sent
        finally:
            if masked:
                _signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGINT_ONLY)

    def _throttle_locked(self, per_write):
        """The code writes faster than the ticks take it: from now on in this run, the
        writing threads flush themselves (all but stdout's bare append, which a thread
        may have kept: the ticks and the GIL's switch interval are all that holds it)."""
        self._throttle_at[0] = max(PACK_AT_WRITES, min(BACKLOG_WRITES, BACKLOG_BYTES // per_write))
        self._install_locked(self._writers)

    def _flush_some(self):
        self.flush(bounded=True)

    def send_before_traceback(self):
        """Sends what the run wrote so far: what it writes from now on goes after its traceback
        (see Worker.run). Returns whether that holds: not past the head of the output, where
        the tail's last writes wait here for the run's end."""
        if self._writes:
            self.flush()
        with self._lock:
            return not self._held

    def flush_if_idle(self):
        """Sends what is waiting, unless another flush is under way (this thread's own, when a
        send of it calls into C through ctypes, or another thread's): for a look that must
        cost nothing when there is nothing to send, and must never wait."""
        if not self._writes or not self._lock.acquire(blocking=False):
            return
        self._lock.release()  # flush takes it again: a write made in between goes too
        self.flush(bounded=True)  # a tick's worth, as a writing thread's own flush takes

    def current_run(self):
        run = self._run
        return None if run is None else run[0]

    def _take_locked(self, most=None):
        # Writers only append, and only this (under the lock) takes from the front: the
        # first n are taken, even if a write lands between the copy and the deletion.
        writes = self._writes
        n = len(writes) if most is None else min(most, len(writes))
        if self._end_at is not None:  # the code has ended: only what it wrote before
            n = min(n, self._end_at)
            self._end_at -= n
        taken = writes[:n]
        del writes[:n]
        return taken

    def _frame(self, header, payload=None):
        """One frame, after a sync token down both raw streams."""
        if self._between is not None and self._frames > 0:
            self._between()
        self._frames += 1
        if payload is not None:
            self._sent_bytes += len(payload)
        if self._batch is not None:
            self._batch.append(_dumps(header) + b"\n")
            if payload is not None:
                self._batch.append(payload)
            return
        _, token, fds = self._run
        for fd in fds:
            _write_all(fd, token)
        self._channel.send(header, payload)

    def _in_one_send_locked(self, send):
        """Calls send, then sends the frames it made (their tokens first) in one send that
        keeps the GIL while the host reads it, so the code waits meanwhile, as on a full
        pipe: a flooding run's ticks, its skips, the end of a run with threads left running.
        Frames sent one by one would let the code run between them: the GIL goes to a thread
        that has waited for it once the sender runs Python code again."""
        self._frames, self._batch = 0, []
        try:
            send()
            if self._batch:
                _, token, fds = self._run
                for fd in fds:
                    _write_all_holding_gil(fd, token * self._frames)
                self._channel.send_raw_holding_gil(b"".join(self._batch))
        finally:
            self._batch = None

    def _send_locked(self, items):
        """Sends writes in frames of at most FRAME_WRITES writes and FRAME_CHARS characters."""
        self._run_writes += len(items)
        for start in range(0, len(items), FRAME_WRITES):
            self._send_some_locked(items[start:start + FRAME_WRITES] if len(items) > FRAME_WRITES else items)

    def _send_some_locked(self, items):
        if len(items) <= PACK_AT_WRITES:
            items = _normalized(items)
        if len(items) <= PACK_AT_WRITES and _chars(items) >= PACK_AT_CHARS:
            # a few long writes: each goes alone, its bytes as they are (not joined, not
            # searched for NULs: the Java side does not split a single write)
            for stream, texts in _by_stream(items):
                for text in texts:
                    for start in range(0, len(text), FRAME_CHARS):  # an empty write: no frame
                        self._send_single(stream, text[start:start + FRAME_CHARS])
            return
        if self._send_packed(1, items):  # many stdout writes, the common case
            return
        # Runs of few short writes (streams taking turns) go together as one JSON frame;
        # longer runs are packed.
        groups, size = [], 0
        for stream, texts in _by_stream(items):
            chars = sum(map(len, texts))
            if len(texts) < PACK_AT_WRITES and chars < PACK_AT_CHARS:
                groups.append([stream, texts])
                size += chars
                if size >= PACK_AT_CHARS:
                    self._frame({"t": "out", "g": groups})
                    groups, size = [], 0
                continue
            if groups:
                self._frame({"t": "out", "g": groups})
                groups, size = [], 0
            for batch in _frame_batches(texts):
                if not self._send_packed(stream, batch):
                    self._frame({"t": "out", "g": [[stream, batch]]})
        if groups:
            self._frame({"t": "out", "g": groups})

    def _send_single(self, stream, text):
        try:
            payload = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: JSON carries it
            self._frame({"t": "out", "g": [[stream, [text]]]})
            return
        self._frame({"t": "outz", "s": stream, "n": len(payload), "c": 1}, payload)
        self._run_bytes += len(payload)

    def _send_packed(self, stream, texts):
        try:
            joined = "\0".join(texts)  # a str subclass gives its value here too
        except TypeError:  # a stderr write among them, or what is not a str
            return False
        if len(joined) > FRAME_CHARS or joined.count("\0") != len(texts) - 1:
            return False
        try:
            payload = joined.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: JSON carries it
            return False
        self._frame({"t": "outz", "s": stream, "n": len(payload)}, payload)
        self._run_bytes += len(payload) - (len(texts) - 1)  # the NULs are not the host's bytes
        return True


_SIGINT_ONLY = {signal.SIGINT}


def _dropped_write(text):
    """write() between runs: the text goes nowhere. (None, as a run's write returns.)"""


_STDERR = object()  # tags a stderr write in the list of writes


def _tail_holding(items, tail_bytes, tail_writes):
    """How many of the last writes fill a tail of tail_bytes and tail_writes as the host
    keeps it (it ignores empty writes and cuts the oldest one to the byte limit), and the
    UTF-8 size of each write when they are all one size. (None, None) unless they are all
    exact strs, none of the last ones empty, or all of one type that is not a str (each
    is then the same note); what else the host would make of them is not worked out here:
    they are all sent."""
    measurable, each = _sizes(items)
    if not measurable or each == 0:
        return None, None
    if each is not None:
        return min(len(items), tail_writes, tail_bytes // each + 1), each
    last = items[-tail_writes:]
    if "" in last:
        return None, None
    # characters are at most the UTF-8 bytes: the writes whose characters pass the byte
    # limit pass it in bytes too, or sooner (then one or more is sent than the tail keeps)
    chars = list(itertools.accumulate(map(len, reversed(last))))
    if chars[-1] > tail_bytes:
        return bisect.bisect_right(chars, tail_bytes) + 1, None
    return len(last), None


_ONLY_STR = {str}


def _sizes(items):
    """Whether the UTF-8 sizes of these writes, as the host gets them, can be told without
    running code of the user's, and the size of each when it is one for all: exact strs
    (one text over and over, a flood's usual shape, is found by identity) or writes all of
    one type that is not a str (each is the same note; write(b'...') over and over, say)."""
    kinds = set(map(type, items))
    if kinds == _ONLY_STR:
        return True, (_utf8_size(items[0]) if _one_text(items) else None)
    kind = kinds.pop() if len(kinds) == 1 else str
    if kind is str or kind is tuple or issubclass(kind, str):
        return False, None
    return True, _utf8_size(_stream_and_text(items[0])[1])


def _utf8_size(text):
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _one_text(texts):
    """Whether exact strs are all one text (mostly one object: compared by identity)."""
    return texts.count(texts[0]) == len(texts)


def _take_for(writes):
    """How many writes make about BACKLOG_BYTES, judged from the first few (exact strs by
    their length, anything else as one character: len() of a subclass would be the code's)."""
    sample = writes[:16]
    if not sample:
        return FLUSH_TAKE
    chars = sum(len(w) if type(w) is str else 1 for w in sample)
    per_write = max(1, chars // len(sample))
    return max(PACK_AT_WRITES, min(FLUSH_TAKE, BACKLOG_BYTES // per_write))


def _stream_and_text(item):
    """A write as (stream, exact str); run on the engine thread, so no code of the user's
    is called: not a str subclass's __str__ or __len__, nor a metaclass's __name__."""
    kind = type(item)
    if kind is str:
        return 1, item
    stream = 1
    if kind is tuple and len(item) == 2 and item[1] is _STDERR:
        stream, item = 2, item[0]
        kind = type(item)
        if kind is str:
            return 2, item
    if issubclass(kind, str):
        return stream, str.__str__(item)
    name = _TYPE_NAME(kind)
    where = "sys.stdout" if stream == 1 else "sys.stderr"
    return 2, f"[pyexec4j: a write to {where} was dropped: write() argument must be str, not {name}]\n"


_TYPE_NAME = type.__dict__["__name__"].__get__


def _normalized(items):
    """The writes as exact strs (stdout) and (str, _STDERR) pairs."""
    out = []
    for item in items:
        if type(item) is str:
            out.append(item)
        else:
            stream, text = _stream_and_text(item)
            out.append(text if stream == 1 else (text, _STDERR))
    return out


def _chars(items):
    """Characters of normalized writes."""
    return sum(len(item if type(item) is str else item[0]) for item in items)


def _by_stream(items):
    """Writes as (stream, texts) runs of exact strs."""
    runs = []
    texts, stream = None, 0
    for item in items:
        s, text = (1, item) if type(item) is str else _stream_and_text(item)
        if s != stream:
            texts, stream = [], s
            runs.append((s, texts))
        texts.append(text)
    return runs


def _frame_batches(texts):
    """The writes in batches of at most FRAME_CHARS characters; a longer write is cut."""
    batch, size = [], 0
    for text in texts:
        if len(text) > FRAME_CHARS:
            if batch:
                yield batch
                batch, size = [], 0
            last = (len(text) - 1) // FRAME_CHARS * FRAME_CHARS  # the last piece may join a batch
            for start in range(0, last, FRAME_CHARS):
                yield [text[start:start + FRAME_CHARS]]
            text = text[last:]
        if size + len(text) + 1 > FRAME_CHARS and batch:
            yield batch
            batch, size = [], 0
        batch.append(text)
        size += len(text) + 1
    if batch:
        yield batch


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class _Itimerspec(ctypes.Structure):
    _fields_ = [("it_interval", _Timespec), ("it_value", _Timespec)]


def _set_timespec(ts, seconds):
    ts.tv_sec, ts.tv_nsec = divmod(max(1, int(seconds * 1e9)), 1_000_000_000)  # 0 would disarm it


class Alarm:
    """A timerfd that wakes the engine thread once a run has lasted a little while (or at
    its deadline, if that comes first). A run that ends before never wakes it: no thread
    switch, no contention for the GIL. Disarming and arming are one system call each."""

    CLOCK_MONOTONIC = 1
    TFD_NONBLOCK_CLOEXEC = os.O_NONBLOCK | os.O_CLOEXEC

    def __init__(self):
        fd = _libc.timerfd_create(self.CLOCK_MONOTONIC, self.TFD_NONBLOCK_CLOEXEC)
        if fd < 0:
            raise OSError(ctypes.get_errno(), "timerfd_create")
        self.fd = _engine_fd(fd)
        self._spec = _Itimerspec()
        self._spec_ref = ctypes.byref(self._spec)
        self._armed_for = None
        self._off_ref = ctypes.byref(_Itimerspec())
        self._settime = _libc.timerfd_settime

    def arm(self, seconds):
        if seconds != self._armed_for:  # mostly the same from run to run
            _set_timespec(self._spec.it_value, seconds)
            self._armed_for = seconds
        self._settime(self.fd, 0, self._spec_ref, None)

    def disarm(self):
        self._settime(self.fd, 0, self._off_ref, None)

    def arm_every(self, seconds):
        spec = _Itimerspec()
        _set_timespec(spec.it_value, seconds)
        _set_timespec(spec.it_interval, seconds)
        self._settime(self.fd, 0, ctypes.byref(spec), None)

    def clear(self):
        try:
            os.read(self.fd, 8)
        except BlockingIOError:
            pass


_NO_BYTES = bytes(4)


def _unread(fd):
    """Whether bytes written to this connection wait to be read by the host."""
    try:
        return fcntl.ioctl(fd, termios.TIOCOUTQ, _NO_BYTES) != _NO_BYTES
    except Exception:  # an error, or an audit hook of the code's that refuses it: as if unread
        return True


_AT_FDCWD = -100
_AT_EMPTY_PATH = 0x1000
_LINK_BY_FD = [_libc is not None]  # until the kernel says it wants a capability for it


def _link_open_file(fd, path):
    """Gives the nameless file open on fd a name: linkat on the descriptor itself, or
    through /proc where the kernel wants a capability for that."""
    if _LINK_BY_FD[0]:
        if _libc.linkat(fd, b"", _AT_FDCWD, os.fsencode(path), _AT_EMPTY_PATH) == 0:
            return
        if ctypes.get_errno() == errno.EEXIST:
            raise FileExistsError(errno.EEXIST, "File exists", path)
        _LINK_BY_FD[0] = False
    os.link(f"/proc/self/fd/{fd}", path, follow_symlinks=True)


def _give_owner_access(path):
    """Adds read, write and search for the owner to a directory's permissions: all this
    process may change of a directory it owns, and all it needs."""
    os.chmod(path, os.stat(path).st_mode & 0o7777 | 0o700)


def _inode(fd):
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


def _stopped(pid):
    """Whether the process is stopped (state T in /proc/PID/stat)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] in (b"T", b"t")
    except (OSError, IndexError):
        return False


def _host_gone():
    kill_tree(_getpid(), include_root=False)
    _OS_EXIT(0)


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[_OS_WRITE(fd, view):]


_OS_KILL = os.kill  # the engine's own signals need no flush first (see _prepare_process)
_OS_EXIT = os._exit  # and its own exit
# What the engine calls, bound once: code that replaces the module attributes (time.monotonic,
# os.getpid, resource.getrusage, socket.socket.sendall, ...) changes its own calls, not the
# engine's deadline, its test for a forked child, its run's figures or its connection.
_monotonic = time.monotonic
_perf_counter = time.perf_counter
_getpid = os.getpid
_getrusage = resource.getrusage
_sock_sendall = _socket.socket.sendall
_sock_recv = _socket.socket.recv
_OS_WRITE = os.write  # not the hook the zygote puts in its place for user code (see _prepare_process)


class PythonStream(io.TextIOBase):
    """sys.stdout / sys.stderr of user code."""

    def __init__(self, buffer, stream, fd, name):
        super().__init__()
        self._out = buffer
        self._stream = stream
        self._fd = fd
        self._name = name
        self.raw_buffer = _FdBytes(fd, self)
        self.write = _dropped_write  # the buffer sets each run's

    def flush(self):
        self._out.flush()

    def close(self):  # user code closing sys.stdout must not break the next run
        self.flush()

    @property
    def closed(self):
        return False

    @property
    def buffer(self):
        return self.raw_buffer

    @property
    def encoding(self):
        return "utf-8"

    @property
    def errors(self):
        return "strict"

    @property
    def name(self):
        return self._name

    @property
    def mode(self):
        return "w"

    @property
    def line_buffering(self):
        return False

    def fileno(self):
        return self._fd

    def isatty(self):
        return False

    def writable(self):
        return True

    def readable(self):
        return False

    def seekable(self):
        return False


class _FdBytes(io.RawIOBase):
    """sys.stdout.buffer: bytes go to the file descriptor, after the text written so far."""

    def __init__(self, fd, text_stream):
        super().__init__()
        self._fd = fd
        self._text = text_stream

    def write(self, b):
        self._text.flush()
        data = bytes(b)
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)
            view = view[n:]
        return len(data)

    def writable(self):
        return True

    def close(self):
        pass

    def fileno(self):
        return self._fd


# --------------------------------------------------------------------------- channels


class CommandReader:
    """Command lines from the control connection. Between runs the main thread reads them
    (blocking); during a run the engine thread does (without blocking). Whoever reads holds
    the lock, so a line is never split between the two."""

    def __init__(self, sock, handle):
        self._sock = sock
        self._handle = handle
        self._pending = []  # the chunks of a line not ended yet (joined once it ends: a long
        # line, say 60 MB of code, costs its length, not its length squared)
        self.lock = threading.Lock()

    def read(self, block):
        """Takes what is there, unless the other thread is reading."""
        if self.lock.acquire(blocking=False):
            try:
                self.read_locked(block)
            finally:
                self.lock.release()

    def read_locked(self, block):
        """Reads once (with block: waits for bytes) and handles every whole line; EOFError at
        the end of the connection."""
        try:
            chunk = _sock_recv(self._sock, 1 << 16, 0 if block else socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return
        if not chunk:
            raise EOFError
        end = chunk.find(b"\n")
        while end >= 0:
            line = chunk[:end]
            if self._pending:
                line = b"".join(self._pending) + line
                self._pending = []
            chunk = chunk[end + 1:]
            self._handle(_DECODE_COMMAND(line.decode("utf-8", "surrogatepass"))[0])
            end = chunk.find(b"\n")
        if chunk:
            self._pending.append(chunk)


class ControlChannel:
    """JSON lines over the worker's control connection; send is thread-safe."""

    def __init__(self, sock):
        self._sock = sock
        self._lock = threading.Lock()

    def send(self, obj, payload=None):
        """A JSON line, and the bytes that follow it if the message says they do."""
        data = _dumps(obj) + b"\n"
        with self._lock:
            _sock_sendall(self._sock, data)
            if payload is not None:
                _sock_sendall(self._sock, payload)

    def send_failure(self, failure, details):
        """The engine's last word, encoded by C code alone: the code may have broken what
        json's Python layer calls (builtins.isinstance = None)."""
        data = ('{"t":"failed","error":' + _JSON_STRING(failure) + ',"traceback":' + _JSON_STRING(details)
                + "}\n").encode("ascii")
        with self._lock:
            _sock_sendall(self._sock, data)

    def send_raw_holding_gil(self, data):
        """Whole frames, sent through libc's send with the GIL held while it blocks."""
        with self._lock:
            _all_holding_gil(lambda at, size: _PYLIBC.send(self._sock.fileno(), at, size, _MSG_NOSIGNAL), data)

    def socket(self):
        return self._sock

    def fileno(self):
        return self._sock.fileno()


try:
    _PYLIBC = ctypes.PyDLL(None, use_errno=True)  # its calls keep the GIL
    _PYLIBC.send.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    _PYLIBC.send.restype = ctypes.c_ssize_t
    _PYLIBC.write.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t)
    _PYLIBC.write.restype = ctypes.c_ssize_t
except (OSError, AttributeError):  # pragma: no cover - no libc to call
    _PYLIBC = None
_MSG_NOSIGNAL = getattr(socket, "MSG_NOSIGNAL", 0)


def _write_all_holding_gil(fd, data):
    _all_holding_gil(lambda at, size: _PYLIBC.write(fd, at, size), data)


def _all_holding_gil(call, data):
    """All of data through a libc call that keeps the GIL (retried on EINTR)."""
    base = ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value
    done = 0
    while done < len(data):
        n = call(base + done, len(data) - done)
        if n < 0:
            err = ctypes.get_errno()
            if err != errno.EINTR:
                raise OSError(err, os.strerror(err))
        else:
            done += n


HELLO_LENGTH = 128  # the Java side reads exactly this many bytes of announcement


def _connect(path, hello):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # Output goes in frames of up to a megabyte or more: with the default buffer (~200 KiB) a
    # frame's send waits for the host to read it piece by piece, each a wake-up of both
    # sides, and the worker cannot encode its next frame meanwhile. A full buffer still holds
    # back code that writes faster than the host reads, only later.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
    s.connect(path)
    s.sendall(hello.ljust(HELLO_LENGTH - 1).encode("ascii") + b"\n")
    return socket.socket(fileno=_engine_fd(s.detach()))


def _engine_fd(fd):
    """The engine's descriptor moved far above the code's (non-inheritable): code that
    closes or replaces the low ones (os.closerange(3, 256), a daemon's clean-up in the
    worker itself) leaves the engine's connections alone. Where the limit on descriptors
    leaves no room up there, it stays where it is."""
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    floor = ENGINE_FDS_FROM if soft == resource.RLIM_INFINITY else min(ENGINE_FDS_FROM, soft - 64)
    if fd >= floor or floor <= 3:
        return fd
    try:
        high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, floor)
    except OSError:
        return fd
    os.close(fd)
    return high


# --------------------------------------------------------------------------- exceptions


def _source_lines(code):
    """The code's lines as linecache reads them from runfile.py: only \n, \r\n and \r end
    a line, as for the compiler (str.splitlines also ends one at \f, \v, \x85, \u2028, ...,
    which would put every later line of a traceback off by one), without a leading BOM."""
    lines = io.StringIO(code.removeprefix("\ufeff"), newline=None).readlines()
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines


def _user_frames(tb, engine_codes):
    """(index, tb) of the traceback entries that are not the engine's own frames."""
    kept, i = [], 0
    while tb is not None:
        if tb.tb_frame.f_code not in engine_codes:
            kept.append((i, tb))
        tb = tb.tb_next
        i += 1
    return kept


_IMPORTLIB_DIR = os.path.dirname(os.path.abspath(__import__("importlib").__file__)) + os.sep


def _is_hidden_frame(frame):
    # the reference hides importlib's frames (and its own) from the traceback text
    filename = frame.filename or ""
    return filename.startswith("<frozen importlib.") or filename.startswith(_IMPORTLIB_DIR)


def _strip_stack(te, exc, engine_codes, seen, innermost):
    """Removes the engine's frames (by identity) and importlib's from a traceback and the
    tracebacks chained to it. te.stack holds the innermost entries of exc's traceback (with
    innermost) or its first ones (a limit the code set); one that leaves user frames out
    says so in its text."""
    if id(exc) in seen:
        return
    seen.add(id(exc))
    user = _user_frames(exc.__traceback__, engine_codes)
    skipped = _depth(exc.__traceback__) - len(te.stack) if innermost else 0
    kept = {i - skipped for i, _ in user if i >= skipped}
    frames = [f for i, f in enumerate(te.stack) if i in kept and not _is_hidden_frame(f)]
    if len(user) > len(kept) and innermost:
        te.stack = _CutStack(frames, len(user) - len(kept))
    else:
        te.stack[:] = frames
    for chained_te, chained in ((te.__cause__, exc.__cause__), (te.__context__, exc.__context__)):
        if chained_te is not None and chained is not None:
            _strip_stack(chained_te, chained, engine_codes, seen, innermost)
    # an exception group's members, each with its own traceback (Python 3.11+)
    members = getattr(te, "exceptions", None)
    if members is not None:
        for member_te, member in zip(members, getattr(exc, "exceptions", ())):
            _strip_stack(member_te, member, engine_codes, seen, innermost)


class _CutStack(traceback.StackSummary):
    """The innermost frames of a deep traceback: its text says first how many were left out."""

    def __init__(self, frames, left_out):
        super().__init__(frames)
        self.left_out = left_out

    def format(self, *args, **kwargs):
        return [f"  {_left_out_note(self.left_out)}"] + super().format(*args, **kwargs)


def _left_out_note(frames):
    return f"[pyexec4j: {frames} outer frames left out; the innermost {MAX_TRACEBACK_FRAMES} follow]\n"


def _innermost(tb, engine_codes):
    """The entry of tb from which its innermost MAX_TRACEBACK_FRAMES entries go, and how
    many user frames (not the engine's) the entries before it hold."""
    left_out = 0
    for _ in range(_depth(tb) - MAX_TRACEBACK_FRAMES):
        left_out += tb.tb_frame.f_code not in engine_codes
        tb = tb.tb_next
    return tb, left_out


def _depth(tb):
    depth = 0
    while tb is not None:
        depth += 1
        tb = tb.tb_next
    return depth


def _traceback_limit():
    """The limit a traceback is formatted with: one the code set in sys.tracebacklimit (as
    the reference honours it), else the innermost MAX_TRACEBACK_FRAMES (a negative limit)."""
    return None if getattr(sys, "tracebacklimit", None) is not None else -MAX_TRACEBACK_FRAMES


def _entries_shown():
    """How many outer entries of a traceback a limit the code set in sys.tracebacklimit
    leaves, as traceback reads it (a negative one leaves none); None without one."""
    limit = getattr(sys, "tracebacklimit", None)
    if limit is None:
        return None
    try:
        return max(int(limit), 0)
    except (TypeError, ValueError, OverflowError):
        return None  # traceback itself cannot use it either


def _messages(te, exc, found):
    """The message of each exception in te's chain, as te shows it, by the exception's id."""
    while te is not None and exc is not None and id(exc) not in found:
        found[id(exc)] = getattr(te, "_str", None)
        if te.__cause__ is not None:
            te, exc = te.__cause__, exc.__cause__
        else:
            te, exc = te.__context__, exc.__context__
    return found


def _format_standard(exc, engine_codes, messages):
    limit = _traceback_limit()
    tb = exc.__traceback__
    had_frames = tb is not None
    if limit is not None:
        # start past the engine's frame above the code, and at the innermost entries: each
        # entry given is walked even when the limit leaves it out, and the engine's costs a
        # read of all of worker.py for its one line (linecache is cleared after every run).
        # te.stack stays a suffix of the traceback, as _strip_stack counts on; chained
        # tracebacks are only cut by the limit
        while tb is not None and tb.tb_frame.f_code in engine_codes:
            tb = tb.tb_next
        tb, _ = _innermost(tb, engine_codes)
    te = traceback.TracebackException(type(exc), exc, tb, limit=limit)
    if limit is None:
        had_frames = bool(te.stack)  # the code's own limit may show none
    _strip_stack(te, exc, engine_codes, set(), innermost=limit is not None)
    _messages(te, exc, messages)
    lines = list(te.format())
    if had_frames and not te.stack:
        # only the engine's frame (a SyntaxError from compile(), the group except* raises):
        # the reference keeps the header line, at the start of this exception's own part,
        # after the exceptions chained to it
        own = copy.copy(te)
        own.__cause__ = own.__context__ = None  # not format(chain=False): 3.11 drops members' chains too
        at = len(lines) - len(list(own.format()))
        group = getattr(te, "exceptions", None) is not None
        lines.insert(at, "  + Exception Group Traceback (most recent call last):\n" if group
                     else "Traceback (most recent call last):\n")
    return "".join(lines)


def _format_ipython(exc, engine_codes):
    import IPython.core.ultratb

    # the engine's frame, the first entry, is skipped; a deep traceback starts at its innermost
    # entries instead, as the standard style's does (IPython walks every frame it is given)
    start, left_out = _innermost(exc.__traceback__, engine_codes)
    offset = 1 if start is exc.__traceback__ else 0
    try:
        tb = IPython.core.ultratb.VerboseTB(tb_offset=offset, color_scheme="NoColor")
    except TypeError:  # IPython 9 replaced colour schemes with themes
        tb = IPython.core.ultratb.VerboseTB(tb_offset=offset, theme_name="nocolor")
    text = str(tb.text(type(exc), exc, start))
    return _left_out_note(left_out) + text if left_out else text


def _str(value):
    """str() that cannot fail: user objects may raise in __str__."""
    try:
        return str(value)
    except Exception:
        try:
            return repr(value)
        except Exception:
            return f"<unprintable {type(value).__name__} object>"


def _exc_info(e):
    """As the reference's: str() of each arg, and of name, msg and obj where the exception
    has them; bounded. An attribute the code's exception cannot give (a property that
    raises) is left out: the reference's process died of it."""
    info = {}
    found, args = _attribute(e, "args")
    if found:
        try:
            args = tuple(args)  # a tuple, unless a subclass made args something else
        except Exception:
            args = (args,)
        each = max(EXC_INFO_CHARS // max(1, min(len(args), EXC_ARGS)), EXC_ARG_CHARS)
        info["args"] = [_cut(_str(a), each) for a in args[:EXC_ARGS]]
        if len(args) > EXC_ARGS:
            info["args"].append(f"[pyexec4j: {len(args) - EXC_ARGS} more args left out]")
    for att in ("name", "msg", "obj"):
        found, value = _attribute(e, att)
        if found:
            info[att] = _cut(_str(value), EXC_INFO_CHARS)
    return info


def _attribute(obj, name):
    """(whether obj has it, its value), asked as the reference asks, hasattr then getattr (a
    __getattr__ of the code's is called as often); what the attribute raises besides
    AttributeError means it has none too."""
    try:
        if not hasattr(obj, name):
            return False, None
        return True, getattr(obj, name)
    except Exception:
        return False, None


def _class_name(e):
    """The name the reference gives an exception's type: e.__class__'s, which the code's
    class may answer for itself."""
    found, cls = _attribute(e, "__class__")
    found, name = _attribute(cls, "__name__") if found else (False, None)
    return name if found and type(name) is str else type(e).__name__


def _cut(text, most):
    """The text, or its head and tail with a note between when it is longer than most."""
    if len(text) <= most:
        return text
    half = most // 2
    return f"{text[:half]}\n[pyexec4j: {len(text) - 2 * half} characters left out]\n{text[-half:]}"


def _chain(e, messages):
    """The exceptions chained to e, with the messages the traceback showed (messages: by
    id; another str() would call the code's __str__ once more than the reference does)."""
    causes, seen = [], {id(e)}
    current = e
    while True:
        if current.__cause__ is not None:
            nxt, relation = current.__cause__, "cause"
        elif current.__context__ is not None and not current.__suppress_context__:
            nxt, relation = current.__context__, "context"
        else:
            break
        if id(nxt) in seen:
            break
        seen.add(id(nxt))
        message = messages.get(id(nxt))
        causes.append({"type": _TYPE_NAME(type(nxt)), "relation": relation,
                       "message": _cut(_str(nxt) if message is None else message, CAUSE_CHARS)})
        current = nxt
    return causes


def _syntax_location(e, path, file_name):
    """Where a SyntaxError says it is. The code can raise one with anything in its fields
    (a bool, bytes, a Path, a number past any line): each is made what the host reads, a
    text or a line number, or left out."""
    if not isinstance(e, SyntaxError):
        return None
    filename = e.filename
    if filename == path:
        filename = file_name
    return {"filename": _text_or_none(filename), "lineno": _int32_or_none(e.lineno),
            "offset": _int32_or_none(e.offset), "text": _text_or_none(e.text)}


def _text_or_none(value):
    return None if value is None else value if type(value) is str else _str(value)


def _int32_or_none(value):
    return value if type(value) is int and -2**31 <= value < 2**31 else None


def _exit_code(e):
    """The status sys.exit(code) gives the process: 0 for None, an int as it is (True is 1),
    and 1 for anything else, as Python's own exit does; an int no process status can hold
    is 1 too."""
    code = e.code
    if code is None:
        return 0
    if isinstance(code, int):
        code = int.__int__(code)  # a bool, or another subclass of int, as a plain int
        return code if -2**31 <= code < 2**31 else 1
    return 1


# --------------------------------------------------------------------------- worker


class RunState:
    """What the main thread is doing, shared with the engine thread under a lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.run_id = None
        self.in_user_code = False
        self.timed_out = False
        self.interrupted = False
        self.deadline = None
        self.busy = False  # a run is queued or running: the engine thread ticks
        self.pending_interrupt = None  # an interrupt for a run that has not reached user code yet


_ENGINE = None  # the Worker of this process; None in the zygote and in children of user code


def _flush_engine(sync=False):
    if _ENGINE is not None:
        _ENGINE.flush_all(sync)


def _current_run():
    return None if _ENGINE is None else _ENGINE.output.current_run()


class Worker:
    def __init__(self, socket_path, worker_id, secret, file_name, ipython, confine=None, memory_group=None):
        global _ENGINE
        self.memory_group = memory_group  # this worker's memory cgroup, or None
        self.oom_kills = 0
        self.confine = confine  # a Confinement to enter at the first run, or None
        self.workdir = None
        self.file_name = file_name
        self.ipython = ipython
        self.path = None
        self.socket_path = socket_path
        self.hello = f"pyexec4j{PROTOCOL_VERSION} {worker_id} {secret}"
        self.control = ControlChannel(_connect(socket_path, self.hello + " control 0"))
        # Every run gets its own pair of raw connections for fds 1 and 2: a child process
        # a run leaves behind keeps writing into that run's pair, which the Java side drops
        # once the run is over, never into a later run. The pair for the next run is
        # connected while the worker is idle (or kept, when nothing else can write to it).
        self.next_pair = self._connect_pair(1)
        self.out_fd, self.err_fd = self.next_pair
        self.state = RunState()
        self.runs = []
        self.runs_lock = threading.Lock()  # a plain lock: its with-statement runs no Python code
        self.main_ident = threading.get_ident()
        self.pid = _getpid()
        self.alarm = Alarm()
        self.null_fd = _engine_fd(os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC))
        self.commands = CommandReader(self.control.socket(), self._command)
        self.engine_ident = None  # the engine thread starts with the first run
        self.engine_running = False
        self.output = OutputBuffer(self.control)
        self.output.on_flood = lambda: self._hurry(always=True)
        self.tick = FLUSH_AFTER_SECONDS
        self.ticks_wrote = True  # a tick of the last run sent output: the next one ticks soon
        self.module = None
        self.prepared = None  # the directory the next run is prepared for, if it is
        self.spawned = False  # whether a run has started a process (see _usage)
        self.runfile_fd = None  # the next run's file, nameless, when made ahead
        self.runfile_named = None  # this run's file, open until its result is sent
        self.runfile_inode = None  # which file the one made ahead is
        self.usage_mark = None  # resources used when the worker last went idle (see _prepare_ahead)
        self.hurried = None  # the code's switch interval while a run ends in a hurry (see _hurry)
        self._install_streams()
        # one object, set and compared through _signal's own functions: signal.signal and
        # getsignal look every handler up in an enum, which raises for a function
        self.idle_sigint = self._on_sigint
        self.code_sigint = _signal.default_int_handler  # SIGINT's handler while the code runs
        self.code_tracers = None  # (trace, profile) functions the code set, for its next run
        _signal.signal(signal.SIGINT, self.idle_sigint)
        _ENGINE = self

    def _connect_pair(self, generation):
        pair = []
        for role in ("stdout", "stderr"):
            # private, non-inheritable, high: user code may close or replace fds 1 and 2
            fd = _connect(self.socket_path, f"{self.hello} {role} {generation}").detach()
            pair.append(fd)
        return tuple(pair)

    def _use_next_pair(self):
        if (self.out_fd, self.err_fd) != self.next_pair:
            os.close(self.out_fd)
            os.close(self.err_fd)
        self.out_fd, self.err_fd = self.next_pair
        self.next_pair = None

    # -- setup

    def _restore_fds(self):
        os.dup2(self.null_fd, 0)
        os.dup2(self.out_fd, 1)
        os.dup2(self.err_fd, 2)

    def _install_streams(self):
        self._restore_fds()
        self.stdout = PythonStream(self.output, 1, 1, "<stdout>")
        self.stderr = PythonStream(self.output, 2, 2, "<stderr>")
        self.output.serve(self.stdout, self.stderr)
        sys.stdin = open(os.devnull)
        sys.stdout = sys.__stdout__ = self.stdout
        sys.stderr = sys.__stderr__ = self.stderr

    def in_forked_child(self):
        """A child forked by user code must never write to the control channel."""
        global _ENGINE
        _ENGINE = None
        for fd in (self.control.fileno(), self.alarm.fd, self.null_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        for name, fd in (("stdout", 1), ("stderr", 2)):
            stream = io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), encoding="utf-8",
                                      errors="backslashreplace", line_buffering=True)
            setattr(sys, name, stream)
            setattr(sys, f"__{name}__", stream)

    def flush_all(self, sync=False):
        try:
            self.output.flush(sync)
        except OSError:
            pass
        _flush_c_stdio()

    def _on_sigint(self, signum, frame):
        """Outside user code an interrupt is ignored; the engine thread repeats it if needed."""

    # -- the engine thread: the deadline, commands during a run, and flushing output

    def _engine_loop(self):
        """One thread for what runs beside the code once a run has lasted a little while:
        its deadline, commands that arrive meanwhile (interrupts, the next runs) and flushing
        buffered output. The alarm wakes it; a short run ends first and never does. Between
        runs it sleeps and the main thread reads the commands itself, so a run costs no
        switch between threads. The end of the control channel means the host is gone: end
        everything below us and exit."""
        self.engine_running = True  # counted by _thread._count() from now on
        st = self.state
        poller = select.poll()
        poller.register(self.alarm.fd, select.POLLIN)
        sock_fd = self.control.fileno()
        engaged = False  # watching the current run
        try:
            while True:
                if engaged and not st.busy:
                    poller.unregister(sock_fd)
                    engaged = False
                now = _monotonic()
                # while engaged, tick to flush buffered output (the write path never wakes
                # this thread: that would cost every print a thread switch)
                due = [t for t in (st.deadline, now + self.tick if engaged else None) if t is not None]
                timeout = max(0.0, min(due) - now) if due else None
                for fd, _ in poller.poll(None if timeout is None else timeout * 1000):
                    if fd == self.alarm.fd:
                        self.alarm.clear()
                        if st.busy and not engaged:
                            poller.register(sock_fd, select.POLLIN)
                            engaged = True
                    elif engaged:
                        self.commands.read(block=False)
                self.output.drop_late()
                # the deadline first, and again between the frames of a flush: sending a
                # flood's backlog takes as long as the host needs to read it
                fired = self._interrupt_if_due()
                if engaged and st.busy:
                    # tick often while the code writes, less and less while it does not
                    wrote = self.output.flush(between_frames=self._interrupt_if_due)
                    self.tick = FLUSH_AFTER_SECONDS if wrote else min(self.tick * 2, QUIET_TICK_SECONDS)
                    if wrote:
                        self.ticks_wrote = True
                if not fired and _INTERRUPT_LOST[0] and st.busy:
                    _INTERRUPT_LOST[0] = False
                    _signal.pthread_kill(self.main_ident, signal.SIGINT)
        except BaseException:  # noqa: B902 - EOF, a broken channel: the host is gone
            pass
        _host_gone()

    def _interrupt_if_due(self):
        """Interrupts the run at its deadline, and again every REINTERRUPT_EVERY_SECONDS."""
        st = self.state
        now = _monotonic()
        with st.lock:
            fire = st.deadline is not None and now >= st.deadline
            if fire:
                run_id = st.run_id
                st.deadline = now + REINTERRUPT_EVERY_SECONDS
        if fire:
            self._interrupt(run_id, timed_out=True)
        return fire

    def _command(self, msg):
        kind = msg.get("t")
        if kind == "prepare":
            with self.runs_lock:
                self.runs.append(msg)
        elif kind == "run":
            self.tick = FLUSH_AFTER_SECONDS
            with self.runs_lock:
                self.state.busy = True
                self.runs.append(msg)
        elif kind == "interrupt":
            self._interrupt(msg.get("run"), timed_out=False)

    def _interrupt(self, run_id, timed_out):
        st = self.state
        with st.lock:
            if run_id != st.run_id or not st.in_user_code:
                if not timed_out:
                    st.pending_interrupt = run_id  # delivered when that run starts
                return
            if timed_out:
                st.timed_out = True
            else:
                st.interrupted = True
        self._hurry()
        # not after a flush: that waits for the host to take the output (the run's end
        # sends what is left)
        _signal.pthread_kill(self.main_ident, signal.SIGINT)

    def _hurry(self, always=False):
        """While a run ends with threads of the code's running, or floods its output past
        the head: the GIL changes hands more often until its result is sent. The main
        thread waits for the GIL after every system call it makes, and the engine thread
        at every bytecode while it counts a flood; CPython hands it to any waiting thread,
        and each busy thread keeps it for the switch interval (5 ms): with a few of them
        an interrupted run took a second or more to end, and a flood from a few threads
        grew faster than the engine could count it. The code's own interval is set back
        afterwards."""
        with self.state.lock:
            if self.hurried is None and (always or self._other_threads() > 0):
                self.hurried = sys.getswitchinterval()
                sys.setswitchinterval(HURRY_SWITCH_SECONDS)

    def _unhurry(self):
        if self.hurried is None:
            return
        with self.state.lock:
            if self.hurried is not None:
                if sys.getswitchinterval() == HURRY_SWITCH_SECONDS:  # not changed since
                    sys.setswitchinterval(self.hurried)
                self.hurried = None

    # -- runs

    def serve(self, rehearse=True):
        if rehearse:  # a spare for the pool is ready once rehearsed; one wanted now runs at once
            self._rehearse()
        self.control.send({"t": "ready", "pid": _getpid()})
        try:
            while True:
                self.run(self._next_run())
        except EOFError:
            _host_gone()

    def _next_run(self):
        """The next run; between runs, this thread reads the commands (the engine thread
        may have read some while the last run ended)."""
        while True:
            with self.commands.lock:
                with self.runs_lock:
                    task = self.runs.pop(0) if self.runs else None
                if task is None:
                    self.commands.read_locked(block=True)
                elif task["t"] == "prepare":
                    self._enter_session(task["workdir"], task["uid"])
                    self._prepare_ahead(task["uid"])
                else:
                    return task

    def _enter_session(self, workdir, uid):
        """Becomes a worker of one session: its directory and, in the sandbox, its user (the
        same for every worker the session has). At the first run, or ahead of it when the
        host prepares a spare for a session that asks for fresh states."""
        self.workdir = workdir
        self.path = os.path.join(workdir, self.file_name)
        self.module = None
        self.prepared = None
        if self.runfile_fd is not None:  # made in another directory
            os.close(self.runfile_fd)
            self.runfile_fd = None
        os.environ["HOME"] = workdir
        if self.confine is not None:
            confinement, self.confine = self.confine, None
            confinement.enter(workdir, uid)
        if self.engine_ident is None and self.confine is None:
            self._start_engine_thread()  # after the user is set: no thread to switch with us

    def _rehearse(self):
        """Walks the run path (Worker.run itself, a print, a traceback, the result) while
        the worker waits in the pool, so that the pages a run touches are copied from the
        zygote and the interpreter has specialised that code: now rather than on the request
        path, where the first run of a fresh state paid ~0.5 ms for it. Against nothing: a
        scratch directory, /dev/null for the raw streams, no result sent, no connection
        changed, no engine thread started; nothing is left of it."""
        _warm_up()
        _flush_c_stdio()
        # in the engine's runtime directory, which the JVM removes at close, should this
        # process be killed before it removes the scratch directory itself
        scratch = os.path.join(os.path.dirname(self.socket_path), f"rehearsal-{os.urandom(8).hex()}")
        null_fd = os.open(os.devnull, os.O_WRONLY | os.O_CLOEXEC)
        real_pair, main_module, cwd = self.next_pair, sys.modules.get("__main__"), os.getcwd()
        try:
            os.mkdir(scratch, 0o700)
            self.workdir, self.path = scratch, os.path.join(scratch, self.file_name)
            self.out_fd = self.err_fd = null_fd
            for run_id, code in ((-2, "print('rehearsal', 1)"), (-1, "def f():\n    return 1 / 0\nf()")):
                self.next_pair = (null_fd, null_fd)
                self.run({"run": run_id, "code": code, "marker": "rehearsal", "workdir": scratch}, rehearsal=True)
        except Exception:  # noqa: B902 - say, no scratch directory: the first run pays
            pass
        finally:
            self.out_fd, self.err_fd = self.next_pair = real_pair
            self._restore_fds()
            if scratch in sys.path:
                sys.path.remove(scratch)
            for undo in (lambda: os.close(null_fd), lambda: os.chdir(cwd), lambda: os.rmdir(scratch)):
                try:
                    undo()
                except OSError:
                    pass
            sys.modules["__main__"] = main_module
            self.workdir = self.path = self.module = self.prepared = None
            self.ticks_wrote = True
            sys.stdout, sys.stderr = self.stdout, self.stderr
            _signal.signal(signal.SIGINT, self.idle_sigint)
            self.alarm.disarm()
            self.alarm.clear()
            linecache.clearcache()

    def _other_threads(self):
        """Threads alive besides this one and the engine's. A thread is counted once it runs,
        which may be after its start returned: the engine's is subtracted only once it says
        it runs, so the figure is exact or one too many, never too few (a late thread of an
        earlier run missed here would write into this run)."""
        return _thread._count() - self.engine_running

    def _start_engine_thread(self):
        # a bare thread: threading's start() would wait for it to run, and it is not one
        # of the user's threads (see the reuse check at the end of a run)
        self.engine_ident = _thread.start_new_thread(self._engine_loop, ())

    def _fresh_module(self):
        module = types.ModuleType("__main__")
        module.__file__ = self.path
        module.__builtins__ = vars(builtins)  # a dict, as exec() gives the reference's globals
        module.__spec__ = None
        module.__loader__ = None
        module.__package__ = None
        return module

    def _execute(self, code, scope):
        """The only engine frame above user code; tracebacks drop it by identity."""
        try:
            # compiled under the bare file name, as the reference does: tracebacks and
            # warnings say runfile.py; __file__ stays the absolute path
            code_obj = compile(code, self.file_name, "exec", dont_inherit=True)
            # the C default handler adds no frame of ours to the user's traceback; a handler
            # the code set in an earlier run is its own again (the reference's process keeps
            # it: at the limit it is what the interrupt calls)
            _signal.signal(signal.SIGINT, self.code_sigint)
            st = self.state
            with st.lock:
                if st.pending_interrupt == st.run_id:
                    st.interrupted = True
                # an interrupt asked for before the handler was in place
                early = st.interrupted or st.timed_out
            if early:
                raise KeyboardInterrupt
            if self.code_tracers is not None:  # the code's own, set in an earlier run
                sys.settrace(self.code_tracers[0])
                sys.setprofile(self.code_tracers[1])
            exec(code_obj, scope)
        except BaseException as e:  # noqa: B902 - every ending of user code is a result
            return e
        finally:
            # a trace or profile function the code set is its own: the engine's code after the
            # run is not traced by it (one that raises would end the worker), and it is set
            # again for the code's next run (this frame began before it was set, and is not)
            tracers = (sys.gettrace(), sys.getprofile())
            self.code_tracers = None if tracers == (None, None) else tracers
            if self.code_tracers is not None:
                sys.settrace(None)
                sys.setprofile(None)
            self.code_sigint = _signal.getsignal(signal.SIGINT)
            if self.code_sigint is None:  # set from C: not one Python can set again
                self.code_sigint = _signal.default_int_handler
            self.state.in_user_code = False
            _signal.signal(signal.SIGINT, self.idle_sigint)
        return None

    def _prepare(self, workdir, uid):
        """What a run needs before its code: the run's raw pair on fds 1 and 2, the session's
        directory as the current one and on sys.path, __main__, sys.argv. Done at the
        end of the previous run when nothing else can undo it before the next (no thread or
        process of the code alive), else at the start of the run."""
        if self.next_pair is not None:
            self._use_next_pair()
        self._restore_fds()
        if self.workdir != workdir:
            self._enter_session(workdir, uid)
        try:
            os.chdir(self.workdir)
        except PermissionError:
            # the code took its own directory's permissions away (os.chmod('.', 0)): this
            # process, its owner, takes its own back, and the session goes on
            _give_owner_access(self.workdir)
            os.chdir(self.workdir)
        if isinstance(sys.path, list) and self.workdir not in sys.path:
            # last, as the reference's process appends it: a file of the code named like a
            # module of the standard library or of site-packages does not hide that module
            # (a sys.path the code replaced with something else is the code's to live with)
            sys.path.append(self.workdir)
        if self.module is None:
            self.module = self._fresh_module()
        sys.modules["__main__"] = self.module
        sys.argv = [self.path]
        self.prepared = self.workdir

    def _prepare_ahead(self, uid):
        """Prepares the next run while the host answers this one; the next run's file too,
        as a nameless one (giving it its name then is cheaper than creating it). What fails
        here (say, the code removed its directory) is done again, and reported, by that run."""
        try:
            self._prepare(self.workdir, uid)
        except OSError:
            self.prepared = None
            return
        if self.runfile_fd is None:
            try:
                self.runfile_fd = os.open(self.workdir, os.O_WRONLY | os.O_TMPFILE | os.O_CLOEXEC, 0o644)
                self.runfile_inode = _inode(self.runfile_fd)
            except (OSError, AttributeError):  # a file system without nameless files
                self.runfile_fd = None

    def _write_runfile(self, data):
        """runfile.py holds the run's code while it runs, as the reference's does. The file
        made ahead is closed once the result is sent (see _close_runfile)."""
        if self.runfile_named is not None:  # a run that failed before its result
            self._close_runfile()
        fd, self.runfile_fd = self.runfile_fd, None
        if fd is not None:
            try:
                _write_all(fd, data)
                _link_open_file(fd, self.path)
                self.runfile_named = fd
                return
            except OSError:  # say, a runfile.py already there (the code's): made as below
                os.close(fd)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)

    def _close_runfile(self):
        """Closes the run's file, unless the code closed that descriptor and it is now another
        file's (say, one the code opened and keeps for its next runs)."""
        fd, self.runfile_named = self.runfile_named, None
        if fd is None:
            return
        try:
            if _inode(fd) == self.runfile_inode:
                os.close(fd)
        except OSError:  # closed by the code
            pass

    def run(self, msg, rehearsal=False):
        run_id = msg["run"]
        code = msg["code"]
        timeout = msg.get("timeout")
        st = self.state
        token = msg["marker"].encode("ascii")
        # threads other than this one and the engine's: an earlier run may have started them
        others = self._other_threads() > 0
        if others:  # they may be busy: this thread waits for the GIL at every system call
            self._hurry()
        if others or self.prepared != msg["workdir"]:
            # not prepared while waiting, or a thread of an earlier run may have undone it
            self._prepare(msg["workdir"], msg.get("uid"))
        self.prepared = None
        self.output.begin(run_id, token + b"s\x01\x00", (self.out_fd, self.err_fd), others, msg.get("out_limits"))
        source = code.encode("utf-8", "surrogatepass")
        try:
            try:
                self._write_runfile(source)
            except PermissionError:
                # the code took write access to its own directory away (os.chmod('.', 0o500)):
                # this process, its owner, takes it back, as _prepare does for search access
                _give_owner_access(self.workdir)
                self._write_runfile(source)
        except OSError as e:
            # the code took what the file needs (its directory's permissions, a directory of
            # that name, its descriptors or file size limit): it runs without the file, and
            # can undo that; the reference's process died of it
            self.stderr.write(f"[pyexec4j: runfile.py could not be written ({_str(e)}); the code runs without it]\n")
        # Serve tracebacks from this run's source even if the code changes directory
        # or deletes the file; mtime None keeps linecache.checkcache from dropping it.
        linecache.cache[self.file_name] = (len(code), None, _source_lines(code), self.file_name)

        # resources used so far: as the worker went idle after the last run, if it was
        # prepared then (it has only waited and read this command since), else now
        usage_before = self.usage_mark if self.usage_mark is not None else _usage(self.spawned)
        self.usage_mark = None
        started = _perf_counter()
        with st.lock:
            st.run_id = run_id
            st.timed_out = False
            st.interrupted = False
            st.in_user_code = True
            st.deadline = None if timeout is None else _monotonic() + timeout
        # the engine thread takes over if the run lasts: for its deadline, the commands
        # and the output
        first = FLUSH_AFTER_SECONDS if self.ticks_wrote else QUIET_START_SECONDS
        self.ticks_wrote = False
        self.alarm.arm(first if timeout is None else min(first, timeout))
        if self.engine_ident is None and not rehearsal:
            self._start_engine_thread()
        if others:  # the set-up is done: the code runs with its own switch interval
            self._unhurry()
        try:
            exc = self._execute(code, self.module.__dict__)
        except KeyboardInterrupt as e:  # delivered between exec() returning and the flag
            exc = e
        if _getpid() != self.pid:
            # a child that user code forked reached the end of the code: it exits, as a
            # script's child would, instead of serving runs
            if exc is not None and not isinstance(exc, SystemExit):
                traceback.print_exception(type(exc), exc, exc.__traceback__)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(_exit_code(exc) if isinstance(exc, SystemExit) else (1 if exc is not None else 0))
        exec_time = _perf_counter() - started
        self._hurry()
        with st.lock:
            st.in_user_code = False
            deadline, st.deadline = st.deadline, None
            timed_out, interrupted = st.timed_out, st.interrupted
            if (isinstance(exc, KeyboardInterrupt) and not (timed_out or interrupted)
                    and deadline is not None and _monotonic() >= deadline):
                # the interrupt came from outside (the zygote), past the limit: the engine
                # thread, kept from the GIL by the code, could not send it
                timed_out = True
            if st.pending_interrupt == run_id:
                st.pending_interrupt = None
        with self.runs_lock:
            st.busy = bool(self.runs)
        if _signal.getsignal(signal.SIGINT) is not self.idle_sigint:
            # an interrupt landed in _execute's clean-up, before it put the handler back
            _signal.signal(signal.SIGINT, self.idle_sigint)

        # The traceback goes with the result: the Java side puts it after the output. As in the
        # reference, what the code prints while its exception is described (its __str__, a
        # key's __repr__) comes before it, and what its objects print as the exception lets
        # them go (a local's __del__, a generator's finally, a progress bar closing) after it.
        try:
            done = self._describe(exc, timed_out, interrupted)
        except Exception as failure:  # the code's exception answers none of the questions asked
            done = self._describe_plainly(exc, failure)
        if exc is not None:
            if self.output.send_before_traceback():
                done["after_tb"] = True  # the writes that go with the result follow the traceback
            exc = None  # the last reference to its frames
        self.output.code_ended()
        done.update({"t": "done", "run": run_id, "exec_time": exec_time})
        self.spawned = self.spawned or _SPAWNED[0]
        done.update(_usage_delta(usage_before, _usage(self.spawned)))
        try:
            os.remove(self.path)
        except Exception:  # noqa: S110 - gone already, or an audit hook of the code's refused it
            pass
        sys.stdout, sys.stderr = self.stdout, self.stderr
        _flush_c_stdio()
        # The raw pair can serve the next run too when nothing else can write to it: no
        # process below the worker (it is a subreaper, so no orphan escapes that check)
        # and no thread but the engine's.
        threads_left = self._other_threads() > 0
        reuse = not threads_left and (not _SPAWNED[0] or not _children_of(_getpid()))
        if _SPAWNED[0] and self.memory_group:
            # a child killed at the memory limit of the session's processes together (had it
            # been this process, the zygote would say so)
            kills = _oom_kills(self.memory_group)
            if kills > self.oom_kills:
                self.oom_kills = kills
                done["oom"] = True
        _SPAWNED[0] = False
        done["next_pair"] = "same" if reuse else "new"
        # The last Python-level output goes with the result.
        self.output.sent_at_end = False
        groups = self.output.end(END_GROUP_WRITES, threads_running=threads_left)
        if self.output.sent_at_end:
            # more than a result carries was left for the end (a run shorter than the engine
            # thread's quiet start, QUIET_START_SECONDS): the session's next run ticks from the
            # start, so that the host takes its output while it runs
            self.ticks_wrote = True
        if groups:
            done["g"] = groups
        if reuse and not _unread(self.out_fd) and not _unread(self.err_fd):
            # nothing else can write to the pair, and the host has read every byte written
            # to it (before this message, so it has recorded them before the last frame):
            # no token is needed to order them or to find their end
            done["raw"] = "read"
        else:
            # raw bytes before the sync token come before the last frame; late children's
            # bytes after the end token are dropped
            for fd in (self.out_fd, self.err_fd):
                if groups:
                    _write_all(fd, token + b"s\x01\x00")
                _write_all(fd, token + b"e\x01\x00")
        if rehearsal:  # nothing goes out, no connection changes
            _dumps(done)
            self._close_runfile()
            return
        self.control.send(done)
        # after the result: what only the next run needs, or nothing does
        self._unhurry()
        self._close_runfile()
        if threads_left:
            # the engine thread drops what they write while no run takes it (see drop_late)
            self.alarm.arm_every(LATE_DROP_EVERY_SECONDS)
        elif not st.busy:  # a run that lasted less than the alarm's first time: it never rang
            self.alarm.disarm()
        if reuse:
            self.next_pair = (self.out_fd, self.err_fd)
            self._prepare_ahead(msg.get("uid"))
            if self.prepared is not None:
                self.usage_mark = _usage(self.spawned)
        else:
            self.next_pair = self._connect_pair(run_id + 1)

    def _describe_plainly(self, exc, failure):
        """What can be said of an exception whose class or attributes raise at every look
        (a metaclass whose __name__ raises, ...): its type's own name and its frames, with
        nothing of the code's called."""
        name = _TYPE_NAME(type(exc))
        stack = []
        for _, tb in _user_frames(exc.__traceback__, self._engine_codes())[-MAX_TRACEBACK_FRAMES:]:
            code = tb.tb_frame.f_code
            try:
                line = linecache.getline(code.co_filename, tb.tb_lineno).strip()
            except Exception:  # the code replaced linecache's functions too
                line = ""
            stack.append([code.co_filename, tb.tb_lineno, code.co_name, line])
        frames = "".join(f'  File "{f}", line {n}, in {fn}\n' + (f"    {line}\n" if line else "") for f, n, fn, line in stack)
        note = f"[pyexec4j: the exception could not be formatted: {_TYPE_NAME(type(failure))} while looking at it]"
        return {"ending": "exited" if issubclass(type(exc), SystemExit) else "raised", "exc_type": name,
                "exc_info": {}, "exc_stack": stack, "exit_code": 1 if issubclass(type(exc), SystemExit) else None,
                "causes": [], "syntax_error": None,
                "tb": f"Traceback (most recent call last):\n{frames}{name}\n{note}\n"}

    def _engine_codes(self):
        return (self._execute.__code__, self._on_sigint.__code__) + tuple(_HIDDEN_CODES)

    def _describe(self, exc, timed_out, interrupted):
        if exc is None:
            return {"ending": "completed", "exc_type": None, "exc_info": None, "exc_stack": None}
        engine_codes = self._engine_codes()
        messages = {}
        try:
            text = _format_ipython(exc, engine_codes) if self.ipython else _format_standard(exc, engine_codes, messages)
        except Exception as fmt_error:  # never let formatting lose the result
            text = "".join(traceback.format_exception_only(type(exc), exc))
            text += f"(pyexec4j could not format the traceback: {fmt_error!r})\n"
        if self.path:
            text = text.replace(self.path, self.file_name)
        stack = []
        user = _user_frames(exc.__traceback__, engine_codes)
        shown = _entries_shown()
        if shown is None:
            user = user[-MAX_TRACEBACK_FRAMES:]  # the frames the traceback shows
        else:
            # the reference's extract_tb honours the code's limit too: its outer entries,
            # the engine's frame among them
            user = [(i, tb) for i, tb in user if i < shown]
        user_tbs = [tb for _, tb in user]
        summary = traceback.StackSummary.extract((tb.tb_frame, tb.tb_lineno) for tb in user_tbs)
        for frame in summary:
            # each frame's file as its code has it, as the reference's extract_tb gives it: the
            # run's code is compiled as runfile.py; code compiled under the file's absolute
            # path (or imported from it) says that path
            stack.append([frame.filename, frame.lineno, frame.name, frame.line])
        exc_type = _class_name(exc)
        ending = "raised"
        exit_code = None
        if isinstance(exc, KeyboardInterrupt):
            if timed_out:
                exc_type, ending = "TimeoutError", "timed_out"
            elif interrupted:
                ending = "interrupted"
        elif isinstance(exc, SystemExit):
            ending = "exited"
            exit_code = _exit_code(exc)
        return {
            "ending": ending,
            "exc_type": exc_type,
            "exc_info": _exc_info(exc),
            "exc_stack": stack,
            "exit_code": exit_code,
            "causes": _chain(exc, messages),
            "syntax_error": _syntax_location(exc, self.path, self.file_name),
            "tb": _cut(text, TRACEBACK_CHARS),
        }


_NO_USAGE = resource.struct_rusage((0,) * 16)


def _usage(children):
    """Resources used by this process, and by its children once it may have had any (a
    worker starts with none: the zygote's are not its)."""
    return (_getrusage(resource.RUSAGE_SELF),
            _getrusage(resource.RUSAGE_CHILDREN) if children else _NO_USAGE)


def _usage_delta(before, after):
    cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before))
    peak_kib = max(after[0].ru_maxrss, after[1].ru_maxrss)
    return {"cpu_time": max(cpu, 0.0), "peak_memory": peak_kib * 1024}


# --------------------------------------------------------------------------- limits and confinement

CLONE_NEWNS = 0x00020000
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
PR_SET_NO_NEW_PRIVS = 38


def _apply_limits(limits):
    """Per-process limits, set right after the fork, before anything of the user runs."""
    for name, value in (("RLIMIT_AS", limits.get("as")), ("RLIMIT_CPU", limits.get("cpu")),
                        ("RLIMIT_FSIZE", limits.get("fsize")), ("RLIMIT_NOFILE", limits.get("nofile"))):
        if value is not None:
            # past the CPU limit the kernel sends SIGXCPU, which says which limit it was, and
            # SIGKILL at the hard limit: a hard limit equal to it would kill first, unexplained
            hard = value + CPU_KILL_AFTER_SECONDS if name == "RLIMIT_CPU" else value
            resource.setrlimit(getattr(resource, name), (value, hard))


PR_CAPBSET_DROP = 24
_CAPABILITY_VERSION_3 = 0x20080522


def _reseed_preloaded():
    """A fork copies the random state of a module preloaded in the zygote: each fresh state
    draws its own numbers, as a new process importing it would (Python's random module is
    reseeded by Python itself; numpy's global generator is not)."""
    np_random = sys.modules.get("numpy.random")
    if np_random is not None:
        try:
            np_random.seed()
        except Exception:  # noqa: S110 - an odd numpy: its numbers stay as they are
            pass


def _drop_capabilities():
    """Root without a single capability, for good: the bounding set emptied (an exec gains
    none back) and the process's own sets cleared. For workers that stay on uid 0 in the
    sandbox (a shared working directory): the read-only system cannot be remounted, nor a
    module loaded, nor a file's permissions passed over."""
    for cap in range(64):
        _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)  # past the kernel's last one: EINVAL, nothing to drop
    header = (ctypes.c_uint32 * 2)(_CAPABILITY_VERSION_3, 0)
    if _libc.capset(header, (ctypes.c_uint32 * 6)()) != 0:
        raise OSError(ctypes.get_errno(), "capset: " + os.strerror(ctypes.get_errno()))
    _prctl(PR_SET_NO_NEW_PRIVS, 1)


def _mount(source, target, fstype, flags, data=None):
    if _libc.mount(source, target, fstype, flags, data) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {target!r}: {os.strerror(errno)}")


class Confinement:
    """As root inside the sandbox, in two steps. While the worker waits in the pool: a mount
    namespace of its own with a private /tmp and /dev/shm, and no session directory at all
    (the costly part). At its session's first run: that session's directory bound back in,
    then the session's own unprivileged user (which drops every capability: no signal reaches
    the zygote or another session, no root-only file opens)."""

    def __init__(self, sessions_root, nproc):
        self.sessions_root = sessions_root
        self.nproc = nproc
        if _libc.unshare(CLONE_NEWNS) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
        _mount(None, b"/", None, MS_REC | MS_PRIVATE)
        # a handle on the real directory (in this namespace: a bind needs its source here), to
        # find the session's among them once it is known
        self.root_fd = os.open(sessions_root, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        _mount(b"tmpfs", b"/tmp", b"tmpfs", 0, b"mode=1777")
        _mount(b"tmpfs", b"/dev/shm", b"tmpfs", 0, b"mode=1777")  # shared memory and semaphores too
        # a /proc of our own that shows only our own user's processes: once the worker is its
        # session's user, other sessions, the zygote and the sandbox's init are invisible
        try:
            _mount(b"proc", b"/proc", b"proc", 0, b"hidepid=2")
        except OSError:
            pass  # an old kernel shares one procfs per PID namespace: then they stay visible
        if not os.path.realpath(sessions_root).startswith("/tmp/"):
            _mount(b"tmpfs", sessions_root.encode(), b"tmpfs", 0, b"mode=0711")
        else:
            os.makedirs(sessions_root, mode=0o711, exist_ok=True)  # in the private /tmp: mount points only

    def enter(self, workdir, uid):
        parent, name = os.path.split(workdir)
        if parent != self.sessions_root.rstrip(os.sep) or not name or name.startswith("."):
            raise ValueError(f"{workdir} is not a directory directly in {self.sessions_root}")
        st = os.stat(name, dir_fd=self.root_fd)
        if (st.st_uid, st.st_gid, st.st_mode & 0o7777) != (uid, uid, 0o700):  # the host usually did it
            os.chown(name, uid, uid, dir_fd=self.root_fd)
            os.chmod(name, 0o700, dir_fd=self.root_fd)
        try:
            os.mkdir(workdir)  # the mount point, in this namespace's own tmpfs
        except FileExistsError:
            pass
        except FileNotFoundError:
            os.makedirs(workdir, exist_ok=True)
        _mount(f"/proc/self/fd/{self.root_fd}/{name}".encode(), workdir.encode(), None, MS_BIND)
        os.close(self.root_fd)
        if self.nproc is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (self.nproc, self.nproc))
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        _prctl(PR_SET_NO_NEW_PRIVS, 1)


def _join_cgroup(root, worker_id, pid, settings):
    """A group of the worker's own under root, its settings written in order (a setting
    the kernel lacks, such as swap accounting, is skipped), then the worker in it."""
    path = os.path.join(root, worker_id)
    os.makedirs(path, exist_ok=True)
    for name, value in settings:
        try:
            with open(os.path.join(path, name), "w") as f:
                f.write(str(value))
        except FileNotFoundError:
            pass
    with open(os.path.join(path, "cgroup.procs"), "w") as f:
        f.write(str(pid))


def _oom_kills(memory_group):
    """How many processes the kernel killed in this memory cgroup at its limit."""
    try:
        with open(os.path.join(memory_group, "memory.oom_control")) as f:
            for line in f:
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
        with open(os.path.join(memory_group, "memory.failcnt")) as f:  # older kernels
            return 1 if int(f.read()) > 0 else 0
    except (OSError, ValueError):
        return 0


# --------------------------------------------------------------------------- process set-up


_SPAWNED = [False]  # a process may have been started since the last run ended
_LAST_RAW_FD = [0]  # the fd of the last os.write to fd 1 or 2
_INTERRUPT_LOST = [False]  # an interrupt landed in a fork hook, where Python drops it
_HIDDEN_CODES = set()  # code of the engine's wrappers around os functions: never in a user's traceback


def _flushing(fn, spawns=True):
    """Output written so far goes out before fn: it may start a process that writes at the
    fd level (spawns: see _usage), replace or end this one, or, a signal the code sends to
    its own process, end it before the engine's next tick."""
    def wrapper(*args, **kwargs):
        _flush_engine(sync=True)
        if spawns:
            _SPAWNED[0] = True
        return fn(*args, **kwargs)

    return _named_as(wrapper, fn)


def _named_as(wrapper, fn):
    """The wrapper answers for fn's name, module, signature and docs (help(), repr and inspect
    show os.kill, not the engine's wrapper)."""
    return functools.update_wrapper(wrapper, fn)


def _flush_before_foreign_code(event, args):
    """An audit hook: what ctypes audits (string_at, from_address, looking up a C function,
    ...) often comes right before a crash (a bad pointer, abort), which may end the process
    before the engine's next tick, up to QUIET_START_SECONDS after the run began. What the
    code wrote before it goes out first. Every other event costs one comparison."""
    if (event.startswith("ctypes.") and _ENGINE is not None and _ENGINE.state.in_user_code
            and _thread.get_ident() != _ENGINE.engine_ident):  # the engine thread's calls are its own
        try:
            _ENGINE.output.flush_if_idle()
        except Exception:  # noqa: S110 - a hook that raised would fail the code's own call
            pass


def _flushing_fd_writer(fn):
    # Python-level output written before an os.write to fd 1 or 2 goes first; a wrong call is
    # left to fn, whose error says os.write's arguments, not this wrapper's
    def wrapper(*args, **kwargs):
        fd = args[0] if args else None
        if fd == 1 or fd == 2:
            # a switch between the raw streams is ordered by a sync token
            _flush_engine(sync=_LAST_RAW_FD[0] not in (0, fd))
            _LAST_RAW_FD[0] = fd
        return fn(*args, **kwargs)

    return _named_as(wrapper, fn)


def _at_fork(hook):
    """Python ignores exceptions in fork hooks: an interrupt that lands in one would be lost
    (a fork loop spends most of its time there). It is raised again, to land in user code."""
    def guarded():
        try:
            hook()
        except KeyboardInterrupt:
            _INTERRUPT_LOST[0] = True  # the engine thread sends it again at its next tick

    return guarded


def _recording_lost_interrupt(previous):
    """An interrupt can land on a fork hook's first line, before its try: Python hands it to
    the unraisable hook, which would print it with the engine's frames. It is recorded as
    lost instead, to be raised again in the caller like one the hook caught."""
    guarded_code = _at_fork(None).__code__

    def hook(unraisable):
        if (issubclass(unraisable.exc_type, KeyboardInterrupt)
                and type(unraisable.object) is types.FunctionType and unraisable.object.__code__ is guarded_code):
            _INTERRUPT_LOST[0] = True
            return
        previous(unraisable)

    return hook


def _raising_lost_interrupt(fn):
    """An interrupt that a fork hook swallowed is raised here, in the caller's code."""
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        finally:
            if _INTERRUPT_LOST[0] and _ENGINE is not None:
                _INTERRUPT_LOST[0] = False
                raise KeyboardInterrupt

    return _named_as(wrapper, fn)


def _after_fork_in_child():
    if _ENGINE is not None:
        _ENGINE.in_forked_child()


def _prepare_process():
    """Done once in the zygote, inherited by every worker: hooks that flush Python-level
    output before anything that writes at the fd level or replaces the process, thread
    attribution for late output, and a first walk through the run path."""
    sys.unraisablehook = _recording_lost_interrupt(sys.unraisablehook)
    os.register_at_fork(before=_at_fork(_flush_engine), after_in_child=_at_fork(_after_fork_in_child),
                        after_in_parent=_at_fork(lambda: _SPAWNED.__setitem__(0, True)))
    for name in ("system", "posix_spawn", "posix_spawnp", "execv", "execve", "execl",
                 "execle", "execlp", "execlpe", "execvp", "execvpe", "_exit", "abort"):
        if hasattr(os, name):
            setattr(os, name, _flushing(getattr(os, name)))
    for name in ("write", "writev"):
        if hasattr(os, name):
            setattr(os, name, _flushing_fd_writer(getattr(os, name)))
    # a signal the code sends its own process or thread, and faulthandler's ways to crash it
    for module, name in ((os, "kill"), (os, "killpg"), (signal, "raise_signal"), (signal, "pthread_kill"),
                         (faulthandler, "_sigsegv"), (faulthandler, "_sigabrt"), (faulthandler, "_sigfpe"),
                         (faulthandler, "_read_null"), (faulthandler, "_fatal_error"),
                         (faulthandler, "_stack_overflow"), (faulthandler, "_fatal_error_c_thread")):
        if hasattr(module, name):
            setattr(module, name, _flushing(getattr(module, name), spawns=False))
    sys.addaudithook(_flush_before_foreign_code)
    for name in ("fork", "forkpty"):
        if hasattr(os, name):
            setattr(os, name, _raising_lost_interrupt(getattr(os, name)))
    subprocess.Popen._execute_child = _flushing(subprocess.Popen._execute_child)

    original_start = threading.Thread.start

    def start(thread):
        thread._pyexec4j_run = _current_run()
        return original_start(thread)

    threading.Thread.start = _named_as(start, original_start)
    # (os.kill's wrapper is os.system's)
    for fn in (os.system, os.write, os.fork, start, _at_fork(None), _flush_before_foreign_code):
        _HIDDEN_CODES.add(fn.__code__)
    # an interrupt held back while output is sent is raised where it is let through again (in
    # OutputBuffer.flush), or lands in the flush of C's stdio after it: under the code's own line
    for fn in (_flush_engine, Worker.flush_all, OutputBuffer.flush, OutputBuffer._flush_some,
               OutputBuffer.flush_if_idle, _flush_c_stdio):
        _HIDDEN_CODES.add(fn.__code__)
    _warm_up()


def _warm_up():
    """Pays first-call costs (compiling, tracebacks, JSON) once, before any fork."""
    scope = {"__builtins__": __builtins__}
    exec(compile("x = [i for i in range(10)]\ntry:\n    1/0\nexcept Exception as e:\n    err = e",
                 "runfile.py", "exec", dont_inherit=True), scope)
    err = scope["err"]
    _format_standard(err, (), {})
    traceback.StackSummary.extract(traceback.walk_tb(err.__traceback__))
    _dumps({"t": "done", "exc_info": _exc_info(err), "x": scope["x"], "f": 0.5})
    json.loads(_dumps({"t": "run", "code": "pass"}))
    _usage_delta(_usage(True), _usage(True))
    _children_of(os.getpid())
    linecache.clearcache()


# --------------------------------------------------------------------------- zygote


class Zygote:
    """Forks session workers on request and reports how each one ended."""

    def __init__(self, args):
        self.socket_path = args["socket"]
        self.workers = {}  # pid -> worker id
        self.limits = args.get("limits") or {}
        # (root, settings): a group per worker in each; the processes of a worker together
        # count against its pids and memory limits
        self.cgroups = []
        if args.get("cgroup"):
            nproc = self.limits.get("nproc")
            self.cgroups.append((args["cgroup"], [] if nproc is None else [("pids.max", nproc)]))
        self.memory_cgroup = args.get("memory_cgroup")
        if self.memory_cgroup:
            memory = self.limits.get("as")
            self.cgroups.append((self.memory_cgroup, [("memory.limit_in_bytes", memory),
                                                      ("memory.memsw.limit_in_bytes", memory)]))
        self.confine = args.get("confine")
        self.drop_capabilities = args.get("drop_capabilities", False)
        self.forks = 0
        self.pending_cgroups = []
        self.commands = os.dup(0)
        self.replies = os.fdopen(os.dup(1), "wb")
        os.set_inheritable(self.commands, False)
        os.set_inheritable(self.replies.fileno(), False)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.close(null)
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
        self.sigchld_r, self.sigchld_w = os.pipe()
        os.set_blocking(self.sigchld_w, False)
        signal.set_wakeup_fd(self.sigchld_w)
        signal.signal(signal.SIGCHLD, lambda *a: None)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        warnings.filterwarnings("ignore")
        failed = []
        for name in args.get("preload", []):
            try:
                __import__(name)
            except BaseException as e:  # noqa: B902 - report, do not die
                failed.append(f"{name}: {type(e).__name__}: {e}")
        _prepare_process()
        try:
            import importlib.util

            # find, do not import: IPython's imports would change every session's state
            # (jedi raises the recursion limit)
            ipython = importlib.util.find_spec("IPython") is not None
        except Exception:
            ipython = False
        self.reply({
            "t": "hello",
            "version": PROTOCOL_VERSION,
            "pid": os.getpid(),
            "python": ".".join(map(str, sys.version_info[:3])),
            "executable": sys.executable,
            "ipython": ipython,
            "preload_failed": failed,
        })

    def reply(self, obj):
        self.replies.write(_dumps(obj) + b"\n")
        self.replies.flush()

    def serve(self):
        sel = selectors.DefaultSelector()
        sel.register(self.commands, selectors.EVENT_READ, "command")
        sel.register(self.sigchld_r, selectors.EVENT_READ, "child")
        pending = b""
        while True:
            for key, _ in sel.select():
                if key.data == "child":
                    try:
                        os.read(self.sigchld_r, 4096)
                    except BlockingIOError:
                        pass
                    self.reap()
                    continue
                # raw reads and our own line splitting: a buffered reader could hold a
                # second command that the selector would never report
                chunk = os.read(self.commands, 1 << 16)
                if not chunk:
                    self.shutdown()
                    return
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    try:
                        self.handle(json.loads(line))
                    except Exception as e:  # a bad command must not end the zygote
                        self.reply({"t": "error", "message": f"{type(e).__name__}: {e}"})

    def handle(self, msg):
        op = msg.get("op")
        if op == "fork":
            # objects the zygote holds are never collected in a worker: keep the GC from
            # touching (and so copying) their pages
            gc.freeze()
            self.forks += 1
            pid = os.fork()
            if pid == 0:
                self.become_worker(msg)
            self.workers[pid] = msg["id"]
            for root, settings in self.cgroups:
                try:
                    _join_cgroup(root, msg["id"], pid, settings)
                except OSError as e:
                    self.reply({"t": "error", "message": f"cgroup {root} for {msg['id']}: {e}"})
            self.reply({"t": "forked", "id": msg["id"], "pid": pid})
        elif op == "kill":
            for pid, wid in list(self.workers.items()):
                if wid == msg["id"]:
                    kill_tree(pid)
            self.kill_orphans()
        elif op == "interrupt":  # a run past its limit: its code may keep the engine thread from it
            for pid, wid in list(self.workers.items()):
                if wid == msg["id"]:
                    try:
                        if _stopped(pid):  # by its own code (SIGSTOP): its engine thread is stopped too
                            _OS_KILL(pid, signal.SIGCONT)
                        _OS_KILL(pid, signal.SIGINT)
                    except OSError:
                        pass
        else:
            self.reply({"t": "error", "message": f"unknown op {op!r}"})

    def become_worker(self, msg):
        code = 70
        log = 2
        worker = None
        try:
            signal.set_wakeup_fd(-1)
            _SPAWNED[0] = False  # the zygote's forks are not this worker's children
            _reseed_preloaded()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            for fd in (self.sigchld_r, self.sigchld_w, self.commands, self.replies.fileno()):
                os.close(fd)
            # No parent-death signal: user code can kill the zygote (its parent), and that
            # must not end other sessions. A worker ends with its control connection.
            os.setsid()
            _prctl(PR_SET_CHILD_SUBREAPER, 1)
            _apply_limits(self.limits)
            if self.drop_capabilities:
                _drop_capabilities()
            confine = None
            if self.confine:
                confine = Confinement(self.confine["sessions_root"], self.limits.get("nproc"))
            log = os.dup(2)  # the zygote's stderr, the engine's log, before fd 2 is the code's
            worker = Worker(self.socket_path, msg["id"], msg["secret"], msg["file_name"],
                            msg.get("ipython", False), confine,
                            os.path.join(self.memory_cgroup, msg["id"]) if self.memory_cgroup else None)
            # from here on the worker speaks through its own connection: the engine's log is
            # shared by every session, and code that found it there would write into it
            os.close(log)
            log = None
            worker.serve(msg.get("rehearse", True))
        except BaseException as e:  # noqa: B902
            message = _str(e).splitlines()
            failure = _TYPE_NAME(type(e)) + (f": {message[0]}" if message else "")
            try:
                details = traceback.format_exc()
            except Exception:  # the code's audit hook refuses the engine's calls (open, ...)
                details = failure
            if log is not None:  # the log's first line is the host's warning; the traceback follows it
                try:
                    _OS_WRITE(log, f"worker {msg.get('id')} failed: {failure}\n{details}".encode("utf-8", "replace"))
                except Exception:
                    pass
            try:  # the host's last word of it: the result of the run going on, or of the next, says it
                worker.control.send_failure(failure, details)
            except Exception:
                try:  # else the stderr of the run going on, if one is
                    _OS_WRITE(2, f"\n[pyexec4j: the engine failed in the Python process: {failure}]\n".encode("utf-8", "replace"))
                except Exception:
                    pass
        finally:
            # the real one: the hook the zygote put in its place flushes first, which code
            # that broke the engine (an audit hook that raises) can make raise too; a forked
            # worker must never return into the zygote's loop
            _OS_EXIT(code)

    def reap(self):
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            wid = self.workers.pop(pid, None)
            if wid is not None and self.cgroups:
                self.pending_cgroups.append(wid)
            if wid is not None:
                self.reply({
                    "t": "exited",
                    "id": wid,
                    "pid": pid,
                    "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                    "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                    "oom": bool(self.memory_cgroup and _oom_kills(os.path.join(self.memory_cgroup, wid))),
                })
        self.kill_orphans()
        self.remove_cgroups()

    def remove_cgroups(self):
        """A worker's cgroup goes once its last process has (orphans are killed first)."""
        left = []
        for wid in self.pending_cgroups:
            for root, _ in self.cgroups:
                try:
                    os.rmdir(os.path.join(root, wid))
                except FileNotFoundError:
                    pass
                except OSError:
                    left.append(wid)
                    break
        self.pending_cgroups = left

    def kill_orphans(self):
        """Descendants of dead workers are re-parented here (we are a subreaper)."""
        for pid in _children_of(os.getpid()):
            if pid not in self.workers:
                kill_tree(pid)

    def shutdown(self):
        for pid in list(self.workers):
            kill_tree(pid)
        self.kill_orphans()
        os._exit(0)


def main():
    args = json.loads(sys.argv[1])
    Zygote(args).serve()


if __name__ == "__main__":
    main()
