// Starts GraphiQL against this server. Every request needs a bearer token: paste one into the
// Headers tab (`npm run token -- --role analyst`). Headers are not persisted in the browser.
(function () {
  var defaultHeaders = JSON.stringify({ Authorization: 'Bearer PASTE-A-TOKEN-HERE' }, null, 2);
  var defaultQuery = [
    '# Paste a bearer token into the Headers tab below, then run the query.',
    '# Get one with:  npm run token -- --role analyst',
    'query FirstCustomers {',
    '  customers(first: 5) {',
    '    totalCount',
    '    edges { node { id archiveNumber kind tier name } }',
    '  }',
    '}',
    '',
  ].join('\n');
  var fetcher = GraphiQL.createFetcher({ url: '/graphql' });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultHeaders: defaultHeaders,
      defaultEditorToolsVisibility: 'headers',
      shouldPersistHeaders: false,
    }),
  );
})();
