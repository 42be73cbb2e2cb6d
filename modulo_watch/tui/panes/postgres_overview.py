"""The two lines above the Postgres pane's table: sessions, then the server's throughput and health.

Line 1 comes from the sessions themselves, line 2 from the server-wide figures (``PgOverview``).
A figure the monitor's role may not read says so, muted, instead of being left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.text import Text

from modulo_watch.collectors.models import PgBackend, PgEventCount, PgOverview, PgReplica, PgSnapshot
from modulo_watch.widgets.badges import Palette, format_age, format_duration
from modulo_watch.widgets.safe_text import inert

WARN_CONNECTIONS, CRITICAL_CONNECTIONS = 0.80, 0.95
RECENT_RESTART_SECONDS = 600.0
LONG_TRANSACTION_SECONDS, VERY_LONG_TRANSACTION_SECONDS = 60.0, 300.0
WARN_CACHE_HIT, CRITICAL_CACHE_HIT = 0.99, 0.90
WARN_ROLLBACK_SHARE, CRITICAL_ROLLBACK_SHARE = 0.05, 0.20
WARN_LAG_SECONDS, CRITICAL_LAG_SECONDS = 10.0, 60.0
NO_PRIVILEGE = "n/a (no privilege)"
GAP = Text("  ")


def overview(snapshot: PgSnapshot, palette: Palette) -> Text:
    """Two lines; the pane cuts each at its edge (text-wrap: nowrap) rather than wrap one into the other."""
    return Text("\n").join((sessions_line(snapshot, palette), server_line(snapshot.overview, palette)))


# --- line 1: the sessions -----------------------------------------------------------------------------


def sessions_line(snapshot: PgSnapshot, palette: Palette) -> Text:
    now = snapshot.collected_at
    counts = snapshot.count_by_state()
    idle_in_tx = [b for b in snapshot.backends if b.state.startswith("idle in transaction")]
    in_tx = [b for b in snapshot.backends if b.state not in ("idle", "")]
    # Most telling first: a narrow pane cuts the line's end.
    parts = [
        *identity(snapshot, palette),
        connections(snapshot, palette),
        Text(f"waiting {snapshot.waiting}", f"bold {palette.error}" if snapshot.waiting else palette.muted),
        Text(f"active {counts.get('active', 0)}"),
        idle_in_transaction(idle_in_tx, now, palette),
        longest_transaction(in_tx, now, palette),
        Text(f"idle {counts.get('idle', 0)}", palette.muted),
    ]
    return GAP.join(parts)


def identity(snapshot: PgSnapshot, palette: Palette) -> list[Text]:
    # "15.18 (Debian 15.18-1.pgdg120+1)": the version is the first word, the packager's note is noise here.
    version = snapshot.server_version.split(" ", 1)[0]
    parts = [inert(f"PG {version}", "bold", max_length=24)]
    info = snapshot.overview
    if info is None:
        return parts
    if info.started_at is not None:
        up = (snapshot.collected_at - info.started_at).total_seconds()
        restarted = up < RECENT_RESTART_SECONDS
        parts[0].append(f" up {format_age(up)}", f"bold {palette.warning}" if restarted else "")
    if info.in_recovery:
        parts.append(standby_status(info.standby_delay_seconds, palette))
    return parts


def standby_status(delay: float | None, palette: Palette) -> Text:
    if delay is None:
        return Text("standby, replay delay unknown", palette.warning)
    return Text(f"standby, {format_duration(delay)} behind", lag_style(delay, palette) or palette.accent)


def connections(snapshot: PgSnapshot, palette: Palette) -> Text:
    total, most = len(snapshot.backends), snapshot.max_connections
    used = total / most if most else 0.0
    level = (
        f"bold {palette.error}"
        if used >= CRITICAL_CONNECTIONS
        else palette.warning
        if used >= WARN_CONNECTIONS
        else ""
    )
    text = Text(f"conns {total}/{most} ({used:.0%})", level)
    hidden = sum(1 for b in snapshot.backends if not b.state)  # another role's, without pg_monitor
    if hidden:
        text.append(f" {hidden} hidden {NO_PRIVILEGE}", palette.muted)
    return text


def idle_in_transaction(backends: list[PgBackend], now: datetime, palette: Palette) -> Text:
    if not backends:
        return Text("idle in tx 0", palette.muted)
    text = Text(f"idle in tx {len(backends)}", palette.warning)
    oldest = oldest_transaction(backends, now)
    if oldest is not None:
        text.append(f" (oldest {format_duration(oldest)})", transaction_style(oldest, palette))
    return text


def longest_transaction(backends: list[PgBackend], now: datetime, palette: Palette) -> Text:
    longest = oldest_transaction(backends, now)
    if longest is None:
        return Text("longest tx -", palette.muted)
    return Text(f"longest tx {format_duration(longest)}", transaction_style(longest, palette))


def oldest_transaction(backends: Iterable[PgBackend], now: datetime) -> float | None:
    starts = [b.xact_start for b in backends if b.xact_start is not None]
    return (now - min(starts)).total_seconds() if starts else None


def transaction_style(seconds: float, palette: Palette) -> str:
    if seconds >= VERY_LONG_TRANSACTION_SECONDS:
        return f"bold {palette.error}"
    return palette.warning if seconds >= LONG_TRANSACTION_SECONDS else ""


# --- line 2: the server -------------------------------------------------------------------------------


def server_line(info: PgOverview | None, palette: Palette) -> Text:
    if info is None:
        return Text("server figures not read yet", palette.muted)
    parts = [
        throughput(info, palette),
        deadlocks(info.deadlocks, palette),
        cache(info.cache_hit_ratio, palette),
        replicas(info.replicas, palette),
        temp_files(info.temp_files, info.temp_bytes, palette),
        database_sizes(info, palette),
    ]
    return GAP.join(part for part in parts if part.plain)


def throughput(info: PgOverview, palette: Palette) -> Text:
    commits, rollbacks = info.commits_per_second, info.rollbacks_per_second
    if commits is None or rollbacks is None:
        return Text("commits/s -  rollbacks/s -", palette.muted)
    share = rollbacks / (commits + rollbacks) if commits + rollbacks else 0.0
    style = (
        f"bold {palette.error}"
        if share >= CRITICAL_ROLLBACK_SHARE
        else palette.warning
        if share >= WARN_ROLLBACK_SHARE
        else ""
    )
    text = Text(f"commits/s {format_rate(commits)}  ")
    text.append(f"rollbacks/s {format_rate(rollbacks)}", style)
    return text


def cache(ratio: float | None, palette: Palette) -> Text:
    if ratio is None:
        return Text("cache -", palette.muted)
    style = (
        f"bold {palette.error}"
        if ratio < CRITICAL_CACHE_HIT
        else palette.warning
        if ratio < WARN_CACHE_HIT
        else ""
    )
    return Text(f"cache {ratio:.1%}", style)


def deadlocks(count: PgEventCount | None, palette: Palette) -> Text:
    """Any deadlock is an error; one in the last minute is news, the earlier ones context."""
    if count is None or count.since_start == 0:
        return Text("deadlocks 0", palette.muted)
    text = Text(
        f"deadlocks +{count.recent} in 1m", f"bold {palette.error}" if count.recent else palette.error
    )
    if count.since_start > count.recent:
        text.append(f" ({count.since_start} since watching)", palette.muted)
    return text


def temp_files(files: PgEventCount | None, size: PgEventCount | None, palette: Palette) -> Text:
    if files is None or files.recent == 0:
        return Text("temp files 0 in 1m", palette.muted)
    text = Text(f"temp files +{files.recent}", palette.warning)
    if size is not None:
        text.append(f" ({format_bytes(size.recent)})", palette.warning)
    text.append(" in 1m", palette.warning)
    return text


def database_sizes(info: PgOverview, palette: Palette) -> Text:
    known = [d for d in info.databases if d.size_bytes is not None]
    unknown = len(info.databases) - len(known)
    if not info.databases:
        return Text()
    if not known:
        return Text(f"db size {NO_PRIVILEGE}", palette.muted)
    text = Text(f"db {format_bytes(sum(d.size_bytes or 0 for d in known))}")
    growths = [d.growth_per_hour for d in known if d.growth_per_hour is not None]
    if growths:
        growth = sum(growths)
        text.append(f" {'+' if growth >= 0 else '-'}{format_bytes(abs(growth))}/h")
    if unknown:
        text.append(f" ({unknown} {NO_PRIVILEGE})", palette.muted)
    return text


def replicas(standbys: tuple[PgReplica, ...], palette: Palette) -> Text:
    if not standbys:
        return Text()
    text = Text("replicas: ")
    for index, standby in enumerate(standbys):
        if index:
            text.append(", ")
        text.append_text(replica(standby, palette))
    return text


def replica(standby: PgReplica, palette: Palette) -> Text:
    name = inert(standby.name or standby.client or "?", max_length=20)
    if standby.state is None:  # the role may not read another role's walsender
        return name.append(f" {NO_PRIVILEGE}", palette.muted)
    if standby.state != "streaming":
        return name.append(" ").append_text(inert(standby.state, palette.warning, max_length=12))
    if standby.replay_lag_seconds is not None:
        lag = standby.replay_lag_seconds
        name.append(f" {format_duration(lag)}", lag_style(lag, palette))
    elif standby.replay_lag_bytes is not None:  # caught up and idle: the server stops timing the lag
        name.append(f" {format_bytes(standby.replay_lag_bytes)}")
    if standby.sync_state in ("sync", "quorum"):
        name.append(f" ({standby.sync_state})", palette.muted)
    return name


def lag_style(seconds: float, palette: Palette) -> str:
    if seconds >= CRITICAL_LAG_SECONDS:
        return f"bold {palette.error}"
    return palette.warning if seconds >= WARN_LAG_SECONDS else ""


# --- numbers ------------------------------------------------------------------------------------------


def format_rate(per_second: float) -> str:
    """ "0.4", "12", "1.2k", "34k"."""
    if per_second < 10:
        return f"{per_second:.1f}".removesuffix(".0")
    if per_second < 1000:
        return f"{per_second:.0f}"
    if per_second < 10_000:
        return f"{per_second / 1000:.1f}k"
    return f"{per_second / 1000:.0f}k"


def format_bytes(size: float) -> str:
    """Binary units as pg_size_pretty names them: "812 bytes", "1.3 GB", "17 TB"."""
    unit = "bytes"
    for larger in ("kB", "MB", "GB", "TB"):
        if size < 1024:
            break
        size, unit = size / 1024, larger
    if unit == "bytes":
        return f"{size:.0f} bytes"
    return f"{size:.1f} {unit}" if size < 10 else f"{size:.0f} {unit}"
