// Opening provider pages (consent, authorization) in a new browser tab.
// The URL comes from a provider's discovery document or the catalogue, so
// only http and https are opened: never javascript:, data: or file:.

/** Reports whether url is an absolute http(s) URL with a host. */
export function isWebURL(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.host !== '';
  } catch {
    return false;
  }
}

/** Opens url in a new tab (noopener) if it is a web URL; reports whether it did. */
export function openExternal(url: string): boolean {
  if (!isWebURL(url)) return false;
  window.open(url, '_blank', 'noopener');
  return true;
}
