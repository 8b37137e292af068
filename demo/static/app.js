// Demo community app bundle.
(function () {
  async function loadFeed(communityId) {
    const me = await fetch("/api/me", { credentials: "include" }).then(r => r.json());
    const posts = await fetch("/api/communities/" + communityId + "/posts", { credentials: "include" }).then(r => r.json());
    const el = document.getElementById("feed");
    if (!el) return;
    el.textContent = "";
    for (const p of posts) {
      const li = document.createElement("li");
      if (document.body.dataset.render === "html") li.innerHTML = p.title + " — " + p.author; // the flaw: user content as HTML
      else li.textContent = p.title + " — " + p.author;
      el.appendChild(li);
    }
    document.getElementById("me").textContent = me.email;
    const members = await fetch("/api/communities/" + communityId + "/members", { credentials: "include" }).then(r => r.json());
    const m = document.getElementById("members");
    if (m) m.textContent = members.length + " members";
    if (posts.length) await openPost(posts[0].id);
    if (me.admin) {
      // The admin console: only shown to administrators.
      const users = await fetch("/api/admin/users", { credentials: "include" }).then(r => r.json());
      console.log(users);
    }
  }
  async function openPost(id) {
    return fetch("/api/posts/" + id, { credentials: "include" }).then(r => r.json());
  }
  window.demo = { loadFeed, openPost };
  if (document.body && document.body.dataset.storeToken) {
    fetch("/api/token", { credentials: "include" }).then(r => r.json()).then(j => localStorage.setItem("auth_token", j.token));
  }
  const c = document.body && document.body.dataset.community;
  if (c) loadFeed(c);
})();
