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
      li.textContent = p.title + " — " + p.author;
      el.appendChild(li);
    }
    document.getElementById("me").textContent = me.email;
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
