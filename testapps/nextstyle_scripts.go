package testapps

// The page chunks of the NextStyle app.
const (
	nextLoginJS = `(function () {
  var form = document.getElementById('login-form');
  var error = document.getElementById('error');
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var email = form.elements.namedItem('email').value, password = form.elements.namedItem('password').value;
    fetch('/api/auth/login', {method: 'POST', credentials: 'same-origin', headers: {'Content-Type': 'application/json', 'x-csrf-token': document.querySelector('meta[name=csrf-token]').content}, body: JSON.stringify({email, password})})
      .then(function (r) {
        if (r.status === 200) { location.href = '/dashboard'; return; }
        return r.json().catch(function () { return {}; }).then(function (j) { error.textContent = j.error || ('Login failed (' + r.status + ')'); });
      })
      .catch(function () { error.textContent = 'Network error, try again.'; });
  });
})();
`
	nextDashboardJS = `(function () {
  var list = document.getElementById('projects');
  fetch('/api/projects', {credentials: 'same-origin'})
    .then(function (r) { if (r.status === 401) { location.href = '/login'; return []; } return r.json(); })
    .then(function (projects) {
      list.textContent = '';
      projects.forEach(function (p) {
        var li = document.createElement('li');
        li.textContent = p.name;
        list.appendChild(li);
      });
    });
  document.getElementById('logout').addEventListener('click', function () {
    fetch('/api/auth/logout', {method: 'POST', credentials: 'same-origin', headers: {'x-csrf-token': document.querySelector('meta[name=csrf-token]').content}})
      .catch(function () {})
      .then(function () { location.href = '/login'; });
  });
})();
`
	nextForgotJS = `(function () {
  var form = document.getElementById('forgot-form');
  var status = document.getElementById('status');
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var email = form.elements.namedItem('email').value;
    fetch('/api/auth/forgot', {method: 'POST', credentials: 'same-origin', headers: {'Content-Type': 'application/json', 'x-csrf-token': document.querySelector('meta[name=csrf-token]').content}, body: JSON.stringify({email})})
      .then(function (r) { return r.json().catch(function () { return {}; }).then(function (j) { status.textContent = j.message || j.error || ('Request failed (' + r.status + ')'); }); });
  });
})();
`
)
