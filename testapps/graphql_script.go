package testapps

// gqlScript draws the GraphQL app: the login form without a token in localStorage, else the organization, its
// members and invoices, and one invoice (the one /invoices/{id} names, else the first), which it marks as seen. No
// backquotes: it lives in a Go raw string.
const gqlScript = `(function () {
  'use strict';
  var root = document.getElementById('root');

  var VIEWER = 'query Viewer { viewer { id email name org { id name } } }';
  var ORG = 'query Org($id: ID!) { org(id: $id) { id name members { name email } invoices { id number } } }';
  var INVOICE = 'query Invoice($id: ID!) { invoice(id: $id) { id number amount customer notes } }';
  var MARK_SEEN = 'mutation MarkSeen($id: ID!) { markSeen(invoiceId: $id) { id seenAt } }';

  // answer reads a fetch answer as JSON ({} when it is not JSON) with its status.
  function answer(r) {
    return r.json().catch(function () { return {}; }).then(function (j) { return {status: r.status, json: j}; });
  }

  // gql sends one operation with the stored token and resolves to its data (null on errors).
  function gql(operationName, query, variables) {
    return fetch('/graphql', {
      method: 'POST',
      headers: {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + localStorage.token},
      body: JSON.stringify({query: query, operationName: operationName, variables: variables})
    }).then(answer).then(function (a) { return a.json.data || null; });
  }

  // add appends a new element with text to parent.
  function add(parent, tag, text) {
    var el = document.createElement(tag);
    if (text !== undefined) { el.textContent = text; }
    parent.appendChild(el);
    return el;
  }

  function loginView(message) {
    root.innerHTML = '<h1>Sign in to Billfold</h1>' +
      '<form>' +
      '<label>Email <input type="email" name="email" autocomplete="username"></label>' +
      '<label>Password <input type="password" name="password" autocomplete="current-password"></label>' +
      '<button type="submit">Sign in</button>' +
      '</form>' +
      '<p role="alert"></p>';
    var form = root.querySelector('form');
    var alertBox = root.querySelector('[role=alert]');
    alertBox.textContent = message || '';
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var email = form.elements.namedItem('email').value, password = form.elements.namedItem('password').value;
      fetch('/api/login', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({email: email, password: password})})
        .then(answer)
        .then(function (a) {
          if (a.status === 200 && a.json.token) {
            localStorage.token = a.json.token;
            appView();
          } else {
            alertBox.textContent = a.json.error || ('Sign-in failed (' + a.status + ')');
          }
        })
        .catch(function () { alertBox.textContent = 'Network error, try again.'; });
    });
  }

  function appView() {
    root.innerHTML = '<header><h1 id="org">Loading…</h1><p>Signed in as <span id="who"></span> ' +
      '<button type="button" id="signout">Sign out</button></p></header>' +
      '<section><h2>Members</h2><ul id="members"></ul></section>' +
      '<section><h2>Invoices</h2><ul id="invoices"></ul></section>' +
      '<section id="invoice"></section>';
    var $ = function (id) { return document.getElementById(id); };
    $('signout').addEventListener('click', function () {
      localStorage.removeItem('token');
      history.replaceState(null, '', '/');
      loginView();
    });
    var wanted = /^\/invoices\/([^\/]+)$/.exec(location.pathname);
    gql('Viewer', VIEWER, {}).then(function (d) {
      if (!d) {
        localStorage.removeItem('token');
        loginView('Your session has ended, sign in again.');
        return;
      }
      $('who').textContent = d.viewer.name + ' <' + d.viewer.email + '>';
      return gql('Org', ORG, {id: d.viewer.org.id}).then(function (d) {
        var org = d && d.org;
        if (!org) { $('org').textContent = 'Organization not found'; return; }
        $('org').textContent = org.name;
        org.members.forEach(function (m) { add($('members'), 'li', m.name + ' <' + m.email + '>'); });
        org.invoices.forEach(function (inv) {
          add(add($('invoices'), 'li'), 'a', inv.number).href = '/invoices/' + encodeURIComponent(inv.id);
        });
        var id = wanted ? decodeURIComponent(wanted[1]) : (org.invoices[0] || {}).id;
        if (!id) { return; }
        return gql('Invoice', INVOICE, {id: id}).then(function (d) {
          var inv = d && d.invoice, box = $('invoice');
          if (!inv) { add(box, 'p', 'Invoice not found'); return; }
          add(box, 'h2', 'Invoice ' + inv.number);
          add(box, 'p', 'Customer: ' + inv.customer);
          add(box, 'p', 'Amount: ' + inv.amount.toFixed(2) + ' EUR');
          add(box, 'p', inv.notes).className = 'notes';
          var seen = add(box, 'p');
          return gql('MarkSeen', MARK_SEEN, {id: inv.id}).then(function (d) {
            if (d && d.markSeen) { seen.textContent = 'Seen ' + d.markSeen.seenAt; }
          });
        });
      });
    }).catch(function () { add(root, 'p', 'Network error, reload the page.'); });
  }

  if (localStorage.getItem('token')) { appView(); } else { loginView(); }
})();
`
