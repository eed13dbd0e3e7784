"""Operations of the daemon: schedule triggers, reaper, retention, metrics, health, status pages and
e-mail notifications. Everything here reads or maintains the state store; nothing harvests."""
