package testapps

// spaScript draws the single-page app's views by location.pathname and localStorage.token. No backquotes: it lives
// in a Go raw string.
const spaScript = `(function () {
  'use strict';
  var root = document.getElementById('root');

  function go(path) { history.pushState(null, '', path); render(); }

  // answer reads a fetch answer as JSON ({} when it is not JSON).
  function answer(r) {
    return r.json().catch(function () { return {}; }).then(function (j) { return {status: r.status, ok: r.ok, json: j}; });
  }

  function authed(path, method) {
    return fetch(path, {method: method || 'GET', headers: {'Authorization': 'Bearer ' + localStorage.token}}).then(answer);
  }

  function field(form, name) { return form.elements.namedItem(name).value; }

  function loginView() {
    root.innerHTML = '<h1>Sign in to Projectly</h1>' +
      '<form>' +
      '<label>Email <input type="email" name="email" autocomplete="username"></label>' +
      '<label>Password <input type="password" name="password" autocomplete="current-password"></label>' +
      '<button type="submit">Sign in</button>' +
      '<p role="alert"></p>' +
      '<a href="/forgot">Forgot password?</a> <a href="/signup">Create an account</a>' +
      '</form>';
    var form = root.querySelector('form');
    var alertBox = root.querySelector('[role=alert]');
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var email = field(form, 'email'), password = field(form, 'password');
      fetch('/api/auth/login', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({email, password})})
        .then(answer)
        .then(function (a) {
          if (a.status === 200 && a.json.token) {
            localStorage.token = a.json.token;
            go('/dashboard');
          } else {
            alertBox.textContent = a.json.error || ('Sign-in failed (' + a.status + ')');
          }
        })
        .catch(function () { alertBox.textContent = 'Network error, try again.'; });
    });
  }

  function dashboardView() {
    root.innerHTML = '<h1>Dashboard</h1><p>Signed in as <span id="who">…</span></p>' +
      '<h2>Your projects</h2><ul id="projects"></ul><button id="logout">Log out</button>';
    Promise.all([authed('/api/me'), authed('/api/projects')]).then(function (res) {
      if (res[0].status === 401 || res[1].status === 401) {
        localStorage.removeItem('token');
        go('/login');
        return;
      }
      document.getElementById('who').textContent = res[0].json.email;
      var list = document.getElementById('projects');
      (res[1].json || []).forEach(function (p) {
        var li = document.createElement('li');
        li.textContent = p.name;
        list.appendChild(li);
      });
    });
    document.getElementById('logout').addEventListener('click', function () {
      authed('/api/auth/logout', 'POST').catch(function () {}).then(function () {
        localStorage.removeItem('token');
        go('/login');
      });
    });
  }

  function forgotView() {
    root.innerHTML = '<h1>Reset your password</h1><form>' +
      '<label>Email <input type="email" name="email"></label>' +
      '<button type="submit">Send reset link</button><p role="status"></p></form>' +
      '<p><a href="/login">Back to sign in</a></p>';
    var form = root.querySelector('form');
    var status = root.querySelector('[role=status]');
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var email = field(form, 'email');
      fetch('/api/auth/forgot', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({email})})
        .then(answer)
        .then(function (a) { status.textContent = a.json.message || a.json.error || ('Request failed (' + a.status + ')'); });
    });
  }

  function signupView() {
    root.innerHTML = '<h1>Create your Projectly account</h1><form>' +
      '<label>Name <input type="text" name="name" autocomplete="name"></label>' +
      '<label>Email <input type="email" name="email" autocomplete="username"></label>' +
      '<label>Password <input type="password" name="password" autocomplete="new-password"></label>' +
      '<button type="submit">Create account</button><p role="alert"></p></form>' +
      '<p><a href="/login">Already have an account? Sign in</a></p>';
    var form = root.querySelector('form');
    var alertBox = root.querySelector('[role=alert]');
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var email = field(form, 'email'), password = field(form, 'password'), name = field(form, 'name');
      fetch('/api/auth/signup', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({email, password, name})})
        .then(answer)
        .then(function (a) {
          if (a.status === 201) { go('/login'); } else { alertBox.textContent = a.json.error || ('Sign-up failed (' + a.status + ')'); }
        });
    });
  }

  function render() {
    var path = location.pathname;
    var token = localStorage.getItem('token');
    if (path === '/' || path === '/login') {
      if (token) { history.replaceState(null, '', '/dashboard'); dashboardView(); } else { loginView(); }
    } else if (path === '/dashboard') {
      if (token) { dashboardView(); } else { history.replaceState(null, '', '/login'); loginView(); }
    } else if (path === '/forgot') {
      forgotView();
    } else if (path === '/signup') {
      signupView();
    } else {
      root.innerHTML = '<h1>Not found</h1><p><a href="/">Home</a></p>';
    }
  }

  // Links between views stay in the page.
  document.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('a[href^="/"]');
    if (a && !e.defaultPrevented && e.button === 0 && !e.metaKey && !e.ctrlKey) {
      e.preventDefault();
      go(a.getAttribute('href'));
    }
  });
  window.addEventListener('popstate', render);
  render();
})();
`
