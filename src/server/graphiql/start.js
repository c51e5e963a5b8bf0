// Starts GraphiQL against this server, with the privacy panel (privacy-panel.js). Every request
// needs a bearer token: "sign in as" a demo user in the panel, or paste one into the Headers tab
// (`npm run token -- --role manager`). Headers are stored nowhere in the browser: they
// live in the page for the session only (test/server/graphiql.browser.test.ts proves it).
(function () {
  // GraphiQL's `storage`: localStorage without headers. `shouldPersistHeaders: false` alone keeps
  // them out of `graphiql:headers` and the tabs, but the query history (`graphiql:queries`, and
  // `graphiql:favorites`) stores each run's headers, bearer token included. Here every stored
  // history entry and tab has `headers: null`; `graphiql:headers` is never written. History kept
  // in the page's memory still has them, so a run picked from this session's history still works.
  var NAMESPACE = 'graphiql:';
  var WITH_HEADERS = ['graphiql:queries', 'graphiql:favorites', 'graphiql:tabState'];
  function withoutHeaders(key, value) {
    if (value === null || value === undefined) return null;
    if (key === 'graphiql:headers') return null;
    if (key === 'graphiql:shouldPersistHeaders') return 'false';
    if (WITH_HEADERS.indexOf(key) === -1) return value;
    try {
      return JSON.stringify(JSON.parse(value), function (name, item) {
        return name === 'headers' ? null : item;
      });
    } catch (e) {
      return null; // not JSON: dropped rather than stored with whatever it holds
    }
  }
  function graphiqlKeys() {
    var keys = [];
    for (var i = 0; i < localStorage.length; i += 1) {
      var key = localStorage.key(i);
      if (key && key.indexOf(NAMESPACE) === 0) keys.push(key);
    }
    return keys;
  }
  function store(key, value) {
    var kept = withoutHeaders(key, value);
    if (kept === null) localStorage.removeItem(key);
    else localStorage.setItem(key, kept);
  }
  var storage = {
    getItem: function (key) {
      return withoutHeaders(key, localStorage.getItem(key));
    },
    setItem: store,
    removeItem: function (key) {
      localStorage.removeItem(key);
    },
    clear: function () {
      graphiqlKeys().forEach(function (key) {
        localStorage.removeItem(key);
      });
    },
    get length() {
      return graphiqlKeys().length;
    },
  };
  // Whatever an earlier page stored (before this wrapper, tokens in the history) is scrubbed now.
  try {
    graphiqlKeys().forEach(function (key) {
      store(key, localStorage.getItem(key));
    });
  } catch (e) {
    // localStorage blocked by the browser: nothing was stored, so nothing to scrub
  }

  // No token yet: sign in from the Privacy panel (demo servers) or paste one here. A placeholder
  // is no token: nothing is fetched with it, so the first screen shows no error.
  var defaultHeaders = JSON.stringify({ Authorization: 'Bearer PASTE-A-TOKEN-OR-SIGN-IN' }, null, 2);
  var defaultQuery = [
    '# 1. Sign in: pick a demo user in the',
    '#    Privacy panel (or paste a token',
    '#    into Headers: npm run token --',
    '#    --role manager).',
    '# 2. Run the query (play button). The',
    '#    panel explains each value; the',
    '#    result marks masked (M) and',
    '#    removed (R) values.',
    'query FirstCustomers {',
    '  customers(first: 5) {',
    '    totalCount',
    '    edges { node { id kind tier name birthYear idNumber phone } }',
    '  }',
    '}',
    '',
  ].join('\n');
  // The privacy panel needs more room than GraphiQL's default plugin pane (a quarter of the width):
  // about 3/8 on a first visit; a width the user dragged to is kept (GraphiQL stores it).
  try {
    if (localStorage.getItem('graphiql:docExplorerFlex') === null) localStorage.setItem('graphiql:docExplorerFlex', '0.6');
  } catch (e) {
    // localStorage blocked: GraphiQL's default width
  }
  var panel = window.PrivacyPanel;
  // Plain JSON responses (the server sends no @defer/@stream parts): each one a value the panel reads.
  var fetcher = panel.wrapFetcher(GraphiQL.createFetcher({ url: '/graphql', enableIncrementalDelivery: false }));
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultHeaders: defaultHeaders,
      defaultEditorToolsVisibility: 'headers',
      shouldPersistHeaders: false,
      storage: storage,
      plugins: [panel.plugin],
      visiblePlugin: panel.plugin,
      toolbar: { additionalComponent: panel.Watcher },
    }),
  );
})();
