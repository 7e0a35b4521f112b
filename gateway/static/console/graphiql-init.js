// Starts GraphiQL on the console page /console/graphiql (a file: the page has no inline script).
// Requests go to the console's endpoint with the page's CSRF token in X-CSRF-Token and the
// HttpOnly sign-in cookie: the access token itself never reaches script. The example tabs are
// read from the page as text. GraphiQL keeps its tabs in memory only, not in localStorage:
// answers hold personal data, and the examples are the page's, each time it opens.
(function () {
  "use strict";
  var mount = document.getElementById("graphiql");
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (!mount || !meta || typeof GraphiQL === "undefined") {
    return;
  }
  var fetcher = GraphiQL.createFetcher({
    url: mount.getAttribute("data-endpoint"),
    headers: {
      accept: "application/json",
      "X-CSRF-Token": meta.getAttribute("content"),
    },
  });
  var tabs = [];
  document.querySelectorAll("#graphiql-examples pre").forEach(function (example) {
    tabs.push({
      query: example.textContent,
      variables: example.getAttribute("data-variables") || "",
    });
  });
  var kept = new Map();
  var memory = {
    getItem: function (key) {
      return kept.has(key) ? kept.get(key) : null;
    },
    setItem: function (key, value) {
      kept.set(key, String(value));
    },
    removeItem: function (key) {
      kept.delete(key);
    },
    clear: function () {
      kept.clear();
    },
    get length() {
      return kept.size;
    },
  };
  mount.textContent = "";
  var root = ReactDOM.createRoot(mount);
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: tabs,
      // GraphiQL 3 fills the editors at start from these, not from the first tab.
      query: tabs.length ? tabs[0].query : undefined,
      variables: tabs.length ? tabs[0].variables : undefined,
      storage: memory,
      defaultEditorToolsVisibility: "variables",
    }),
  );
})();
