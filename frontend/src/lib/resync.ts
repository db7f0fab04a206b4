/**
 * What Resync all tasks (seed 002) says once the backend answered: how many
 * of the connection's failed tasks it resyncs (replays), in the seed's words,
 * the same from the row menu and from the Settings tab.
 */
export function resyncNotice(n: number, label: string): string {
  return n ? `Resyncing ${n} failed task(s) of ${label}.` : `${label} has no failed tasks to resync.`;
}
