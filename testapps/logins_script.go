package testapps

// bearerScript draws the bearer app's views: the login form without a token in localStorage.auth_token, else the
// dashboard (the account, its projects as #/projects/{id} links and the first project fetched by id) or, for
// #/projects/{id}, that project. Every API call carries Authorization: Bearer <token>. No backquotes: it lives in a
// Go raw string.
const bearerScript = `(function () {
  'use strict';
  var root = document.getElementById('root');
  var KEY = 'auth_token';

  function token() { return localStorage.getItem(KEY); }

  // answer reads a fetch answer as JSON ({} when it is not JSON).
  function answer(r) {
    return r.json().catch(function () { return {}; }).then(function (j) { return {status: r.status, ok: r.ok, json: j}; });
  }

  function api(path, method) {
    return fetch(path, {method: method || 'GET', headers: {'Authorization': 'Bearer ' + token()}}).then(answer);
  }

  function text(s) {
    var d = document.createElement('div');
    d.textContent = s;
    return d.innerHTML;
  }

  // home forgets the project in the address and draws the view for the current token.
  function home() {
    history.replaceState(null, '', '/');
    render();
  }

  // expired forgets a token the server refused.
  function expired() {
    if (token()) {
      localStorage.removeItem(KEY);
      home();
    }
  }

  // frame draws the signed-in layout around main, with the Log out button.
  function frame(main) {
    root.innerHTML = '<header><nav><a href="#/">Beacon</a> <span id="who"></span> ' +
      '<button type="button" id="logout">Log out</button></nav></header><main>' + main + '</main>';
    document.getElementById('logout').addEventListener('click', function () {
      api('/api/auth/logout', 'POST').catch(function () {}).then(function () {
        localStorage.removeItem(KEY);
        home();
      });
    });
    api('/api/me').then(function (a) {
      if (a.status === 401) { expired(); return; }
      document.getElementById('who').textContent = a.json.email || '';
    });
  }

  function loginView() {
    root.innerHTML = '<h1>Sign in to Beacon</h1>' +
      '<form>' +
      '<label>Email <input type="email" name="email" autocomplete="username"></label>' +
      '<label>Password <input type="password" name="password" autocomplete="current-password"></label>' +
      '<button type="submit">Sign in</button>' +
      '<p role="alert"></p>' +
      '</form>';
    var form = root.querySelector('form');
    var alertBox = root.querySelector('[role=alert]');
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var email = form.elements.namedItem('email').value, password = form.elements.namedItem('password').value;
      fetch('/api/auth/login', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({email: email, password: password})})
        .then(answer)
        .then(function (a) {
          if (a.status === 200 && a.json.token) {
            localStorage.setItem(KEY, a.json.token);
            home();
          } else {
            alertBox.textContent = a.json.error || ('Sign-in failed (' + a.status + ')');
          }
        })
        .catch(function () { alertBox.textContent = 'Network error, try again.'; });
    });
  }

  function dashboardView() {
    frame('<h1>Dashboard</h1><h2>Your projects</h2><ul id="projects"></ul><section id="latest"></section>');
    api('/api/projects').then(function (a) {
      if (a.status === 401) { expired(); return; }
      var list = document.getElementById('projects');
      var projects = a.json || [];
      projects.forEach(function (p) {
        var li = document.createElement('li');
        li.innerHTML = '<a href="#/projects/' + encodeURIComponent(p.id) + '">' + text(p.name) + '</a>';
        list.appendChild(li);
      });
      if (!projects.length) { return; }
      // The first project's details, fetched by its id.
      api('/api/projects/' + encodeURIComponent(projects[0].id)).then(function (d) {
        if (d.ok) {
          document.getElementById('latest').innerHTML = '<h2>Latest project</h2><p class="project">' + text(d.json.name) + '</p>';
        }
      });
    });
  }

  function projectView(id) {
    frame('<h1 id="name">Loading…</h1><p><a href="#/">All projects</a></p>');
    api('/api/projects/' + encodeURIComponent(id)).then(function (a) {
      if (a.status === 401) { expired(); return; }
      document.getElementById('name').textContent = a.ok ? a.json.name : 'Not found';
    });
  }

  function render() {
    if (!token()) { loginView(); return; }
    var m = location.hash.match(/^#\/projects\/([^\/]+)$/);
    if (m) { projectView(decodeURIComponent(m[1])); } else { dashboardView(); }
  }

  window.addEventListener('hashchange', render);
  render();
})();
`
