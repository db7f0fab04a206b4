// Sends the app's first data requests while the browser is still loading
// and compiling the app's scripts (index.html loads this small classic
// script async, before the module graph). Over HTTP (`patchbay serve`) the
// connection list of 10,000 rows then arrives about when the app starts
// instead of being asked for only then (frontend/bench/integrations.bench.mjs).
// The HTTP transport (src/lib/api/http.ts) takes each answer once, for its
// first call of the method. Not in the desktop window (its bindings are not
// HTTP: Wails' ipc.js ran first and defined WailsInvoke), nor on the client
// portal (its own API and session).
(function () {
  var w = window;
  if (w.WailsInvoke || !/^https?:$/.test(location.protocol) || location.pathname.indexOf('/portal') === 0) return;
  var sent = {};
  ['ListConnections', 'GetAppInfo', 'ListProviders', 'ListWorkspaces'].forEach(function (m) {
    var p = fetch('/api/rpc/' + m, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Patchbay': '1' },
      body: '[]',
      credentials: 'same-origin',
    });
    // A failure is the transport's to report when the app takes the answer.
    p.catch(function () {});
    sent[m] = p;
  });
  w.__patchbayPrefetch = sent;
})();
