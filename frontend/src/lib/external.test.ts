import { describe, expect, it } from 'vitest';
import { isWebURL } from './external';

describe('isWebURL', () => {
  it('accepts http and https URLs with a host', () => {
    expect(isWebURL('https://id.example.com/authorize?x=1')).toBe(true);
    expect(isWebURL('http://127.0.0.1:9000/o/auth')).toBe(true);
  });
  it('refuses other schemes and junk', () => {
    for (const u of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', 'smb://host/share', '/relative', '']) {
      expect(isWebURL(u)).toBe(false);
    }
  });
});
