package testapps

// portalScript draws PortalSPA's views by location.pathname into <main id="app">. Its forms have no action: each
// submit is prevented and sent as JSON with fetch(). Field errors go right after their input as
// <p class="invalid-feedback" id="FIELD-error">, with aria-invalid and aria-describedby on the input; other
// answers go to a role=alert or role=status paragraph. The bearer token is localStorage.portal_token. Links are
// plain navigations. No backquotes: it lives in a Go raw string.
const portalScript = `(function () {
  'use strict';
  var app = document.getElementById('app');
  var TOKEN = 'portal_token';

  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) { return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]; });
  }

  // api sends one JSON request (with the bearer token when authed) and reads the answer as JSON ({} when it is not).
  function api(method, path, body, authed) {
    var headers = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (authed && localStorage.getItem(TOKEN)) headers['Authorization'] = 'Bearer ' + localStorage.getItem(TOKEN);
    return fetch(path, {method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body)})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) { return {status: r.status, json: j || {}}; });
      });
  }

  function field(id, label, input) {
    return '<div class="field"><label for="' + id + '">' + label + '</label> ' + input + '</div>';
  }

  // say shows one message under the heading: kind is 'alert' (an error) or 'status'.
  function say(kind, text) {
    var box = app.querySelector('.messages');
    box.innerHTML = '';
    if (!text) return;
    var p = document.createElement('p');
    p.setAttribute('role', kind);
    p.className = kind === 'alert' ? 'error' : 'notice';
    p.textContent = text;
    box.appendChild(p);
  }

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll('.invalid-feedback'), function (p) { p.parentNode.removeChild(p); });
    Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid]'), function (el) {
      el.removeAttribute('aria-invalid');
      el.removeAttribute('aria-describedby');
    });
    say('alert', '');
  }

  // showErrors puts each field's message right after its input; a message for no field on the page is an alert.
  function showErrors(form, errors) {
    var first = null, loose = [];
    Object.keys(errors).forEach(function (name) {
      var input = form.querySelector('#' + name);
      if (!input) { loose.push(errors[name]); return; }
      var p = document.createElement('p');
      p.className = 'invalid-feedback';
      p.id = name + '-error';
      p.textContent = errors[name];
      input.insertAdjacentElement('afterend', p);
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', name + '-error');
      first = first || input;
    });
    if (loose.length) say('alert', loose.join(' '));
    if (first) first.focus();
  }

  function value(form, id) {
    var el = form.querySelector('#' + id);
    return el.type === 'checkbox' ? el.checked : el.value;
  }

  // submitting wires a form: on submit it clears the old errors and runs send with the button disabled.
  function submitting(form, send) {
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      clearErrors(form);
      var button = form.querySelector('button');
      button.disabled = true;
      send().catch(function () { say('alert', 'Network error, try again.'); })
        .then(function () { button.disabled = false; });
    });
  }

  function failed(a) { say('alert', a.json.error || ('Something went wrong (' + a.status + '). Try again.')); }

  function homeView() {
    var token = localStorage.getItem(TOKEN);
    var landing = function () {
      app.innerHTML = '<h1>Portal</h1><p>One place for your team\'s projects, issues and releases.</p>' +
        '<p><a href="/signup">Create account</a></p>';
    };
    if (!token) { landing(); return; }
    app.innerHTML = '<h1>Portal</h1><div class="messages"></div><p>Loading your account…</p>';
    api('GET', '/api/me', undefined, true).then(function (a) {
      if (a.status !== 200) { localStorage.removeItem(TOKEN); landing(); return; }
      app.innerHTML = '<h1>Portal</h1><p>Signed in as <strong>' + esc(a.json.handle) + '</strong> (' + esc(a.json.email) + ')</p>' +
        '<button type="button" id="logout">Log out</button>';
      document.getElementById('logout').addEventListener('click', function () {
        api('POST', '/api/logout', undefined, true).catch(function () {}).then(function () {
          localStorage.removeItem(TOKEN);
          location.assign('/login');
        });
      });
    });
  }

  function signupView() {
    app.innerHTML = '<h1>Create your account</h1><div class="messages"></div>' +
      '<form id="signup-form">' +
      field('handle', 'Handle', '<input id="handle" name="handle" autocomplete="username" required>') +
      field('email', 'Email', '<input type="email" id="email" name="email" autocomplete="email" required>') +
      field('password', 'Password', '<input type="password" id="password" name="password" minlength="10" autocomplete="new-password" required>') +
      field('password2', 'Repeat password', '<input type="password" id="password2" name="password2" autocomplete="new-password" required>') +
      field('plan', 'Plan', '<select id="plan" name="plan" required><option value="">Choose a plan</option>' +
        '<option value="free">Free</option><option value="team">Team</option></select>') +
      '<div class="field"><input type="checkbox" id="terms" name="terms" required> <label for="terms">I accept the terms</label></div>' +
      '<button type="submit">Create account</button>' +
      '</form><p><a href="/login">Already have an account? Log in</a></p>';
    var form = document.getElementById('signup-form');
    submitting(form, function () {
      var body = {handle: value(form, 'handle'), email: value(form, 'email'), password: value(form, 'password'),
        password2: value(form, 'password2'), plan: value(form, 'plan'), terms: value(form, 'terms')};
      return api('POST', '/api/signup', body).then(function (a) {
        if (a.status === 201) {
          form.outerHTML = '<p role="status">Check your inbox to confirm your address.</p>';
        } else if (a.json.errors) {
          showErrors(form, a.json.errors);
        } else {
          failed(a);
        }
      });
    });
  }

  function loginView() {
    app.innerHTML = '<h1>Log in</h1><div class="messages"></div>' +
      '<form id="login-form">' +
      field('email', 'Email', '<input type="email" id="email" name="email" autocomplete="username" required>') +
      field('password', 'Password', '<input type="password" id="password" name="password" autocomplete="current-password" required>') +
      '<button type="submit">Log in</button>' +
      '</form><p><a href="/forgot">Forgot your password?</a></p>';
    if (new URLSearchParams(location.search).get('confirmed') === '1') say('status', 'Your email address is confirmed. You can log in now.');
    var form = document.getElementById('login-form');
    submitting(form, function () {
      return api('POST', '/api/login', {email: value(form, 'email'), password: value(form, 'password')}).then(function (a) {
        if (a.status === 200 && a.json.token) {
          localStorage.setItem(TOKEN, a.json.token);
          location.assign('/');
        } else {
          failed(a);
        }
      });
    });
  }

  function forgotView() {
    app.innerHTML = '<h1>Reset your password</h1><div class="messages"></div>' +
      '<form id="forgot-form">' +
      field('email', 'Email', '<input type="email" id="email" name="email" autocomplete="email" required>') +
      '<button type="submit">Send reset link</button>' +
      '</form><p><a href="/login">Back to log in</a></p>';
    var form = document.getElementById('forgot-form');
    submitting(form, function () {
      return api('POST', '/api/forgot', {email: value(form, 'email')}).then(function (a) {
        if (a.status === 200) { say('status', a.json.message); } else { failed(a); }
      });
    });
  }

  function resetView() {
    var token = new URLSearchParams(location.search).get('token') || '';
    app.innerHTML = '<h1>Choose a new password</h1><div class="messages"></div>';
    if (!token) { say('alert', 'This link is invalid or has expired.'); return; }
    app.insertAdjacentHTML('beforeend', '<form id="reset-form">' +
      field('password', 'New password', '<input type="password" id="password" name="password" minlength="10" autocomplete="new-password" required>') +
      field('password2', 'Repeat new password', '<input type="password" id="password2" name="password2" autocomplete="new-password" required>') +
      '<button type="submit">Set password</button></form>');
    var form = document.getElementById('reset-form');
    submitting(form, function () {
      return api('POST', '/api/reset', {token: token, password: value(form, 'password'), password2: value(form, 'password2')}).then(function (a) {
        if (a.status === 200) {
          form.outerHTML = '<p role="status">' + esc(a.json.message) + '</p><p><a href="/login">Log in</a></p>';
        } else if (a.json.errors) {
          showErrors(form, a.json.errors);
        } else {
          failed(a);
        }
      });
    });
  }

  var views = {'/': homeView, '/signup': signupView, '/login': loginView, '/forgot': forgotView, '/reset': resetView};
  var view = views[location.pathname.replace(/\/+$/, '') || '/'];
  if (view) {
    view();
  } else {
    app.innerHTML = '<h1>Page not found</h1><p><a href="/">Go to the home page</a></p>';
  }
})();
`
