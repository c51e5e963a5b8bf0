// The privacy panel: a GraphiQL 3 plugin (the `plugins` prop: { title, icon, content }) built on
// the React hooks GraphiQL's own bundle exports (GraphiQL.React: useEditorContext,
// useSchemaContext, usePluginContext), no build step and nothing from the internet.
//
// - "Sign in as" a demo member of each role or the demo partner, when the server offers it
//   (/graphiql/demo/*): the token it mints goes into the Headers editor like a pasted one, and
//   so is stored nowhere (start.js keeps headers out of every storage).
// - The caller (checked with `me { role }` as soon as a token is in the headers; only then is the
//   schema fetched, so the first screen shows no error) and a purpose selector that writes
//   X-Purpose from the role's allowed purposes.
// - For the last response: each path's decision, strategy and reason in words, the counts, the
//   exposure figures against the role's limits, the daily budget used and left, and for a refusal
//   what to ask instead.
// - Marks in the result pane: a gutter note on every line whose value was masked or removed.
(function () {
  'use strict';
  var h = React.createElement;
  var GR = GraphiQL.React;
  var PURPOSE_HEADER = 'X-Purpose';
  var GUTTER = 'privacy-gutter';
  /** Three base64url parts: anything else (the placeholder, an empty value) is no token. */
  var JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

  // ---- State shared by the panel, the watcher and the fetcher (the page's memory only) ----------
  var state = {
    vocabulary: null, // /graphiql/policy.json: the policy's words
    demo: null, // { identities, ttl } or { off: message }
    caller: null, // { role, token } once `me` answered for the token in the headers
    callerError: null, // why the token in the headers was refused
    checking: false,
    headers: {}, // the Headers editor, parsed (re-read on every edit)
    last: null, // { result, operationName, at } of the last operation run (not introspection)
    signingIn: null,
  };
  var listeners = [];
  function update(patch) {
    state = Object.assign({}, state, patch);
    listeners.slice().forEach(function (listener) {
      listener(state);
    });
  }
  function useStore() {
    var pair = React.useState(state);
    React.useEffect(function () {
      var listener = function (next) {
        pair[1](next);
      };
      listeners.push(listener);
      listener(state);
      return function () {
        listeners.splice(listeners.indexOf(listener), 1);
      };
    }, []);
    return pair[0];
  }

  function bearerOf(headers) {
    var value = null;
    Object.keys(headers || {}).forEach(function (name) {
      if (name.toLowerCase() === 'authorization' && typeof headers[name] === 'string') value = headers[name];
    });
    var match = value && /^Bearer\s+(\S+)\s*$/i.exec(value);
    return match && JWT.test(match[1]) ? match[1] : null;
  }
  function purposeOf(headers) {
    var found = null;
    Object.keys(headers || {}).forEach(function (name) {
      if (name.toLowerCase() === 'x-purpose') found = headers[name];
    });
    return found;
  }
  function parseHeaders(text) {
    try {
      var parsed = JSON.parse(text || '{}');
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
    } catch (e) {
      return {};
    }
  }

  // ---- The fetcher: no introspection without a token, and every result kept for the panel -------
  function isIntrospection(params) {
    return params && params.operationName === 'IntrospectionQuery';
  }
  function wrapFetcher(fetcher) {
    return function (params, options) {
      var headers = (options && options.headers) || {};
      // Without a token the server can only refuse (401): the schema waits for a sign-in instead of
      // the first screen opening on an error. The panel asks for the schema once a token is valid.
      if (isIntrospection(params) && !bearerOf(headers)) return new Promise(function () {});
      var result = fetcher(params, options);
      if (!isIntrospection(params) && result && typeof result.then === 'function') {
        result.then(
          function (value) {
            update({ last: { result: value, operationName: params.operationName || null, at: new Date() } });
          },
          function () {
            update({ last: null });
          },
        );
      }
      return result;
    };
  }

  // ---- Words for codes -----------------------------------------------------------------------
  var DECISION_WORDS = { CLEAR: 'clear', MASK: 'masked', REMOVE: 'removed' };
  function reasonWords(code) {
    var reasons = (state.vocabulary && state.vocabulary.reasons) || {};
    return reasons[code] || code;
  }
  function strategyWords(code) {
    var strategies = (state.vocabulary && state.vocabulary.strategies) || {};
    return code ? strategies[code] || code : '';
  }
  function rolePolicy(role) {
    return state.vocabulary && state.vocabulary.roles ? state.vocabulary.roles[role] : null;
  }
  function number(n) {
    return typeof n === 'number' ? n.toLocaleString('en-US') : '—';
  }

  /** What to ask instead, from a refusal's code and its extensions. */
  function askInstead(error) {
    var ext = error.extensions || {};
    switch (ext.code) {
      case 'PURPOSE_REQUIRED':
        return 'Declare why you read: pick one of ' + (ext.allowedPurposes || []).join(', ') + ' in the purpose selector above (X-Purpose).';
      case 'FORBIDDEN':
        if (ext.allowedPurposes) return 'Declare a purpose this role has: ' + ext.allowedPurposes.join(', ') + ' (purpose selector above).';
        return ext.fields && ext.fields.length
          ? 'Leave out ' + ext.fields.join(', ') + ': this role may not ask for ' + (ext.fields.length > 1 ? 'them' : 'it') + '.'
          : 'Ask for what this role may read (Docs shows only that).';
      case 'EXPOSURE_LIMIT':
        return ext.suggestion ? ext.suggestion.charAt(0).toUpperCase() + ext.suggestion.slice(1) + '.' : 'Ask for fewer rows or fewer sensitive fields.';
      case 'QUERY_LIMIT':
        return 'Bring the operation’s ' + ext.limit + ' from ' + ext.actual + ' down to at most ' + ext.max + (ext.limit === 'cost' ? ' (a smaller first:, then page with after:)' : '') + '.';
      case 'EXPOSURE_BUDGET_EXHAUSTED':
        return 'Today’s budget of sensitive values is spent for this operation: ask for fewer values (masked ones count separately from clear), or wait until the day resets in about ' + Math.ceil((ext.retryAfterSeconds || 0) / 3600) + ' h (midnight China time).';
      case 'RATE_LIMITED':
        return 'Too many requests this minute: run it again in ' + ext.retryAfterSeconds + ' s.';
      case 'UNAUTHENTICATED':
        return 'Sign in again above (demo tokens last ' + ((state.demo && state.demo.ttl) || 'a short while') + '), or paste a token minted for this server: npm run token -- --role <role>.';
      case 'BAD_USER_INPUT':
      case 'GRAPHQL_VALIDATION_FAILED':
        return 'Fix the operation as the message says (Docs lists what this role can ask for).';
      default:
        return null;
    }
  }

  // ---- Result-pane marks -----------------------------------------------------------------------
  /**
   * The path of every line of `JSON.stringify(value, null, 2)` (what GraphiQL shows): line i holds
   * the start of the value at paths[i], or a closing bracket (null).
   */
  function linePaths(value) {
    var paths = [[]];
    function walk(v, path) {
      if (v === null || typeof v !== 'object') return;
      var keys = Array.isArray(v) ? v.map(function (_, i) { return i; }) : Object.keys(v);
      if (keys.length === 0) return; // `[]` or `{}` on the same line
      keys.forEach(function (key) {
        paths.push(path.concat([key]));
        walk(v[key], path.concat([key]));
      });
      paths.push(null);
    }
    walk(value, []);
    return paths;
  }
  function valueAt(root, path) {
    return path.reduce(function (v, key) {
      return v === null || v === undefined ? undefined : v[key];
    }, root);
  }
  /** The mark for one response line: masked, removed, or none; `mixed` when records differ. */
  function markFor(entries, value) {
    var decisions = {};
    entries.forEach(function (e) {
      decisions[e.decision] = e;
    });
    if (value === null && decisions.REMOVE) return { kind: 'removed', entry: decisions.REMOVE };
    if (decisions.MASK && value !== null && !decisions.CLEAR) return { kind: 'masked', entry: decisions.MASK };
    if (decisions.MASK && value !== null) return { kind: 'masked-or-clear', entry: decisions.MASK };
    return null;
  }
  function applyMarks(editor) {
    if (!editor) return;
    var gutters = editor.getOption('gutters') || [];
    if (gutters.indexOf(GUTTER) === -1) editor.setOption('gutters', [GUTTER].concat(gutters));
    editor.clearGutter(GUTTER);
    (editor.__privacyLines || []).forEach(function (line) {
      editor.removeLineClass(line, 'background');
    });
    editor.__privacyLines = [];
    var result;
    try {
      result = JSON.parse(editor.getValue());
    } catch (e) {
      return;
    }
    var fields = result && result.extensions && result.extensions.privacy && result.extensions.privacy.fields;
    if (!fields || !result.data) return;
    var byPath = {};
    fields.forEach(function (f) {
      (byPath[f.path] = byPath[f.path] || []).push(f);
    });
    linePaths(result).forEach(function (path, line) {
      if (!path || path[0] !== 'data' || path.length < 2) return;
      var collapsed = path.slice(1).filter(function (k) { return typeof k === 'string'; }).join('.');
      var entries = byPath[collapsed];
      if (!entries) return;
      var mark = markFor(entries, valueAt(result, path));
      if (!mark) return;
      var note = document.createElement('span');
      note.className = 'privacy-mark privacy-mark-' + mark.kind;
      note.textContent = mark.kind === 'removed' ? 'R' : 'M';
      note.dataset.path = collapsed;
      note.dataset.decision = mark.kind;
      note.title =
        mark.kind +
        (mark.entry.strategy ? ' (' + mark.entry.strategy + ': ' + strategyWords(mark.entry.strategy) + ')' : '') +
        ' — ' + reasonWords(mark.entry.reason) + ' [' + mark.entry.reason + ']';
      editor.setGutterMarker(line, GUTTER, note);
      var handle = editor.addLineClass(line, 'background', 'privacy-line-' + mark.kind);
      editor.__privacyLines.push(handle);
    });
  }

  // ---- Talking to the server -------------------------------------------------------------------
  function getJson(url, init) {
    return fetch(url, Object.assign({ credentials: 'omit', cache: 'no-store' }, init)).then(function (response) {
      return response.json().then(function (body) {
        return { status: response.status, body: body };
      });
    });
  }
  var checked = null; // the token `me` last answered for
  function checkCaller(headers, introspect) {
    var token = bearerOf(headers);
    if (!token) {
      checked = null;
      if (state.caller || state.callerError) update({ caller: null, callerError: null });
      return;
    }
    if (token === checked) return;
    checked = token;
    update({ checking: true });
    getJson('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token },
      body: JSON.stringify({ query: 'query WhoAmI { me { role } }', operationName: 'WhoAmI' }),
    }).then(
      function (answer) {
        if (checked !== token) return;
        var me = answer.body && answer.body.data && answer.body.data.me;
        if (!me) {
          var error = (answer.body && answer.body.errors && answer.body.errors[0]) || { message: 'HTTP ' + answer.status };
          update({ checking: false, caller: null, callerError: error });
          return;
        }
        var role = String(me.role).toLowerCase();
        update({ checking: false, caller: { role: role }, callerError: null });
        // The schema this token may see (introspection is scoped by role and partner scopes).
        introspect();
      },
      function (error) {
        if (checked === token) update({ checking: false, callerError: { message: String(error) } });
      },
    );
  }

  // ---- Components ------------------------------------------------------------------------------
  /**
   * Mounted with the toolbar (always, inside GraphiQL's providers): follows the Headers editor
   * (caller, purpose, schema) and the result pane (marks), whether or not the panel is open.
   */
  function Watcher() {
    var s = useStore();
    var editors = GR.useEditorContext({ nonNull: true });
    var schema = GR.useSchemaContext({ nonNull: true });
    var introspectRef = React.useRef(schema.introspect);
    introspectRef.current = schema.introspect;
    var headerEditor = editors.headerEditor;
    var responseEditor = editors.responseEditor;
    React.useEffect(
      function () {
        if (!headerEditor) return undefined;
        var timer = null;
        var onChange = function () {
          clearTimeout(timer);
          timer = setTimeout(function () {
            var headers = parseHeaders(headerEditor.getValue());
            update({ headers: headers });
            // After GraphiQL's own debounce has handed the new headers to its schema context.
            checkCaller(headers, function () {
              setTimeout(function () {
                introspectRef.current();
              }, 0);
            });
          }, 250);
        };
        headerEditor.on('change', onChange);
        onChange();
        return function () {
          clearTimeout(timer);
          headerEditor.off('change', onChange);
        };
      },
      [headerEditor],
    );
    React.useEffect(
      function () {
        if (!responseEditor) return undefined;
        var onChange = function () {
          applyMarks(responseEditor);
        };
        responseEditor.on('change', onChange);
        applyMarks(responseEditor);
        return function () {
          responseEditor.off('change', onChange);
        };
      },
      [responseEditor],
    );
    // A purpose the role cannot declare (or none): the role's usual one, visibly in the headers.
    React.useEffect(
      function () {
        var policy = state.caller && rolePolicy(state.caller.role);
        if (!policy || !headerEditor) return;
        var current = purposeOf(state.headers);
        if (policy.purposes.allowed.indexOf(current) === -1) writeHeader(headerEditor, PURPOSE_HEADER, policy.purposes.default);
      },
      [s.caller, headerEditor],
    );
    return null;
  }

  function writeHeader(headerEditor, name, value) {
    var headers = parseHeaders(headerEditor.getValue());
    Object.keys(headers).forEach(function (key) {
      if (key.toLowerCase() === name.toLowerCase()) delete headers[key];
    });
    if (value !== null) headers[name] = value;
    headerEditor.setValue(JSON.stringify(headers, null, 2));
  }

  function SignIn(props) {
    var s = props.state;
    var headerEditor = props.headerEditor;
    if (!s.demo) return h('p', { className: 'privacy-muted' }, 'Looking for demo sign-in…');
    if (s.demo.off) {
      return h('p', { className: 'privacy-muted privacy-demo-off' }, 'Put a bearer token into the Headers tab below: {"Authorization": "Bearer …"} (npm run token -- --role <role>, run in the server’s environment).');
    }
    function signIn(as) {
      update({ signingIn: as });
      getJson('/graphiql/demo/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ as: as }) }).then(
        function (answer) {
          update({ signingIn: null });
          if (answer.status !== 200) {
            update({ callerError: { message: answer.body.error || 'sign-in refused (HTTP ' + answer.status + ')' } });
            return;
          }
          var headers = parseHeaders(headerEditor.getValue());
          Object.keys(headers).forEach(function (key) {
            var lower = key.toLowerCase();
            if (lower === 'authorization' || lower === 'x-purpose') delete headers[key];
          });
          headers.Authorization = 'Bearer ' + answer.body.token;
          headers[PURPOSE_HEADER] = answer.body.purposes.default;
          headerEditor.setValue(JSON.stringify(headers, null, 2));
        },
        function (error) {
          update({ signingIn: null, callerError: { message: String(error) } });
        },
      );
    }
    return h(
      'div',
      { className: 'privacy-sign-in' },
      h('div', { className: 'privacy-label' }, 'Sign in as a demo user (token for ' + s.demo.ttl + ', kept only in this page):'),
      h(
        'div',
        { className: 'privacy-sign-in-buttons' },
        s.demo.identities.map(function (identity) {
          return h(
            'button',
            {
              key: identity.as,
              type: 'button',
              className: 'graphiql-button privacy-sign-in-button' + (s.caller && s.caller.role === identity.role ? ' privacy-active' : ''),
              'data-sign-in-as': identity.as,
              title: identity.label,
              disabled: s.signingIn !== null,
              onClick: function () {
                signIn(identity.as);
              },
            },
            identity.as,
          );
        }),
      ),
    );
  }

  function Caller(props) {
    var s = props.state;
    var headerEditor = props.headerEditor;
    if (s.callerError) {
      return h(
        'div',
        { className: 'privacy-error privacy-caller-error' },
        h('strong', null, 'The token in the headers is refused: '),
        s.callerError.message,
        askInstead(s.callerError) ? h('div', { className: 'privacy-ask' }, 'Instead: ', askInstead(s.callerError)) : null,
      );
    }
    if (!s.caller) return h('p', { className: 'privacy-muted' }, s.checking ? 'Checking the token…' : 'Not signed in yet: pick a user above (or put a token into Headers), then run the query.');
    var policy = rolePolicy(s.caller.role);
    var purpose = purposeOf(s.headers);
    return h(
      'div',
      { className: 'privacy-caller', 'data-role': s.caller.role },
      h('div', null, 'Signed in as ', h('strong', null, s.caller.role), policy ? ' — ' + policy.description : ''),
      policy
        ? h(
            'label',
            { className: 'privacy-purpose' },
            'Purpose (X-Purpose): ',
            h(
              'select',
              {
                className: 'privacy-purpose-select',
                value: policy.purposes.allowed.indexOf(purpose) === -1 ? '' : purpose,
                onChange: function (event) {
                  writeHeader(headerEditor, PURPOSE_HEADER, event.target.value);
                },
              },
              policy.purposes.allowed.indexOf(purpose) === -1 ? h('option', { value: '' }, '(choose)') : null,
              policy.purposes.allowed.map(function (p) {
                return h('option', { key: p, value: p }, p + (p === policy.purposes.default ? ' (usual)' : ''));
              }),
            ),
          )
        : null,
    );
  }

  function Figure(props) {
    var over = typeof props.limit === 'number' && props.value > props.limit;
    return h(
      'tr',
      { className: over ? 'privacy-over' : '', 'data-figure': props.name },
      h('td', null, props.label),
      h('td', { className: 'privacy-num' }, number(props.value)),
      h('td', { className: 'privacy-num' }, number(props.limit)),
      h('td', { className: 'privacy-muted' }, props.note || ''),
    );
  }

  function Exposure(props) {
    var e = props.exposure;
    return h(
      'section',
      { className: 'privacy-exposure' },
      h('h4', null, 'Exposure of this request against the role’s limits'),
      h(
        'table',
        { className: 'privacy-table' },
        h('thead', null, h('tr', null, h('th', null, ''), h('th', null, 'asked'), h('th', null, 'limit'), h('th', null, ''))),
        h(
          'tbody',
          null,
          h(Figure, { name: 'volume', label: 'sensitive values (clear + masked)', value: e.volume, limit: e.hardLimit, note: 'above the limit the request is refused' }),
          h(Figure, { name: 'clearVolume', label: 'values that may come back clear', value: e.clearVolume, limit: e.clearBudget, note: 'above it, clear values are masked instead' }),
          h(Figure, { name: 'breadth', label: 'identifying fields per record', value: e.breadth, limit: e.clearBreadth, note: 'at most this many clear together' }),
        ),
      ),
    );
  }

  function Budget(props) {
    var b = props.budget;
    if (!b) return h('section', { className: 'privacy-budget privacy-muted' }, h('h4', null, 'Daily budget'), 'This request used none of today’s budget of sensitive values.');
    var rows = ['clear', 'masked', 'probes'].map(function (kind) {
      return h(
        'tr',
        { key: kind, 'data-budget': kind },
        h('td', null, kind),
        h('td', { className: 'privacy-num' }, number(b.thisRequest[kind])),
        h('td', { className: 'privacy-num' }, number(b.usedToday[kind])),
        h('td', { className: 'privacy-num' }, number(b.leftToday[kind])),
        h('td', { className: 'privacy-num' }, number(b.daily[kind])),
      );
    });
    return h(
      'section',
      { className: 'privacy-budget' },
      h('h4', null, 'Daily budget (' + b.day + ', resets ' + new Date(b.resetsAt).toLocaleString() + ')'),
      h(
        'table',
        { className: 'privacy-table' },
        h('thead', null, h('tr', null, h('th', null, ''), h('th', null, 'this request'), h('th', null, 'used today'), h('th', null, 'left today'), h('th', null, 'per day'))),
        h('tbody', null, rows),
      ),
    );
  }

  /** One card per path and outcome: narrow enough for GraphiQL's plugin pane. */
  function Decisions(props) {
    return h(
      'section',
      { className: 'privacy-decisions' },
      h('h4', null, 'Decisions by path'),
      props.fields.map(function (f) {
        var segments = f.path.split('.');
        return h(
          'div',
          {
            key: f.path + ' ' + f.decision + ' ' + f.reason,
            className: 'privacy-decision privacy-decision-' + f.decision.toLowerCase(),
            'data-path': f.path,
            'data-decision': f.decision,
            'data-reason': f.reason,
            'data-count': String(f.count),
            'data-strategy': f.strategy || '',
          },
          h(
            'div',
            { className: 'privacy-decision-head' },
            h('span', { className: 'privacy-path', title: f.path }, segments[segments.length - 1]),
            ' ',
            h('span', { className: 'privacy-badge privacy-badge-' + f.decision.toLowerCase() }, DECISION_WORDS[f.decision] || f.decision),
            f.strategy ? h('span', { className: 'privacy-code' }, ' ' + f.strategy) : null,
            h('span', { className: 'privacy-count' }, f.count + (f.count === 1 ? ' value' : ' values')),
          ),
          h('div', { className: 'privacy-muted privacy-code' }, f.path),
          h('div', { className: 'privacy-reason' }, 'Why: ', reasonWords(f.reason), ' ', h('span', { className: 'privacy-code' }, '(' + f.reason + ')')),
          f.strategy ? h('div', { className: 'privacy-muted' }, 'Shown as: ' + strategyWords(f.strategy)) : null,
        );
      }),
    );
  }

  function Refusals(props) {
    return h(
      'section',
      { className: 'privacy-refusals' },
      h('h4', null, props.errors.length > 1 ? 'Refusals' : 'Refusal'),
      props.errors.map(function (error, i) {
        var instead = askInstead(error);
        var code = (error.extensions && error.extensions.code) || 'ERROR';
        return h(
          'div',
          { key: i, className: 'privacy-error privacy-refusal', 'data-code': code },
          h('div', null, h('span', { className: 'privacy-code' }, code), ' ', error.message, error.path ? h('span', { className: 'privacy-muted' }, ' at ' + error.path.join('.')) : null),
          instead ? h('div', { className: 'privacy-ask' }, h('strong', null, 'Ask instead: '), instead) : null,
        );
      }),
    );
  }

  function LastResponse(props) {
    var last = props.last;
    if (!last) return h('p', { className: 'privacy-muted privacy-empty' }, 'Run an operation (▶): this panel then explains every sensitive value of the response — clear, masked or removed, and why.');
    var result = last.result || {};
    var privacy = result.extensions && result.extensions.privacy;
    var errors = result.errors || [];
    return h(
      'div',
      { className: 'privacy-last', 'data-operation': last.operationName || '' },
      privacy
        ? h(
            'div',
            { className: 'privacy-summary', 'data-role': privacy.role, 'data-purpose': privacy.purpose },
            'Decided for role ', h('strong', null, privacy.role), ', purpose ', h('strong', null, privacy.purpose),
            h('span', { className: 'privacy-muted' }, ' · policy ' + privacy.policyVersion + (last.operationName ? ' · ' + last.operationName : '')),
          )
        : null,
      errors.length ? h(Refusals, { errors: errors }) : null,
      privacy ? h(Decisions, { fields: privacy.fields || [] }) : errors.length ? null : h('p', { className: 'privacy-muted' }, 'No sensitive value in this response: nothing was masked or removed.'),
      privacy && privacy.probes ? h('section', null, h('h4', null, 'Probes (each a read of the field)'), h('ul', null, privacy.probes.map(function (p, i) { return h('li', { key: i }, JSON.stringify(p)); }))) : null,
      privacy ? h(Exposure, { exposure: privacy.exposure }) : null,
      privacy ? h(Budget, { budget: privacy.budget }) : null,
    );
  }

  function PanelContent() {
    var s = useStore();
    var editors = GR.useEditorContext({ nonNull: true });
    var schema = GR.useSchemaContext({ nonNull: true });
    return h(
      'div',
      {
        className: 'privacy-panel',
        'data-schema': schema.schema ? 'loaded' : schema.isFetching ? 'fetching' : 'none',
        'data-schema-error': schema.fetchError ? 'yes' : 'no',
      },
      h('div', { className: 'graphiql-doc-explorer-title' }, 'Privacy'),
      h(SignIn, { state: s, headerEditor: editors.headerEditor }),
      h(Caller, { state: s, headerEditor: editors.headerEditor }),
      h('hr', null),
      h(LastResponse, { last: s.last }),
    );
  }

  function Icon() {
    return h(
      'svg',
      { viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', strokeWidth: 1.5, 'aria-hidden': 'true', width: '1em', height: '1em' },
      h('path', { d: 'M12 3l7 3v5c0 5-3.5 8.5-7 10-3.5-1.5-7-5-7-10V6l7-3z' }),
      h('path', { d: 'M9 12l2 2 4-4' }),
    );
  }

  var plugin = { title: 'Privacy', icon: Icon, content: PanelContent };

  // The policy's words and whether this server offers demo sign-in: fetched once, without a token.
  getJson('/graphiql/policy.json').then(
    function (answer) {
      update({ vocabulary: answer.body });
    },
    function () {
      update({ vocabulary: { reasons: {}, strategies: {}, roles: {} } });
    },
  );
  getJson('/graphiql/demo/identities').then(
    function (answer) {
      update({ demo: answer.status === 200 ? answer.body : { off: answer.body.error || 'demo sign-in is off' } });
    },
    function () {
      update({ demo: { off: 'demo sign-in is off' } });
    },
  );

  window.PrivacyPanel = { plugin: plugin, Watcher: Watcher, wrapFetcher: wrapFetcher, linePaths: linePaths };
})();
