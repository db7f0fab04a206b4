import { statusView, type StatusFields } from './status';

type Filterable = StatusFields & { label: string; provider: string };

/** A connection with the lower-cased text a filter query is matched against. */
export interface Indexed<T> {
  item: T;
  text: string;
}

/**
 * Prepares connections for filtering: the label, the provider's name, the
 * status and its label and the owner, lower-cased once (not per keystroke).
 */
export function searchIndex<T extends Filterable>(list: readonly T[], providerName: (id: string) => string, extra: (c: T) => string = () => ''): Indexed<T>[] {
  return list.map((c) => ({ item: c, text: `${c.label} ${providerName(c.provider)} ${c.status} ${statusView(c).label} ${extra(c)}`.toLowerCase() }));
}

/** Returns the items whose text contains every word of the query, in order. */
export function filterIndex<T>(index: readonly Indexed<T>[], query: string): T[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const out: T[] = [];
  for (const x of index) if (words.every((w) => x.text.includes(w))) out.push(x.item);
  return out;
}

/** Filters connections by a query (searchIndex then filterIndex). */
export function filterConnections<T extends Filterable>(list: readonly T[], query: string, providerName: (id: string) => string, extra?: (c: T) => string): T[] {
  return filterIndex(searchIndex(list, providerName, extra), query);
}
