// Starts GraphiQL on the page served at /graphql (a file, so the page needs no inline script).
(function () {
  "use strict";
  var fetcher = GraphiQL.createFetcher({
    url: window.location.pathname,
    headers: { accept: "application/graphql-response+json, application/json;q=0.9" },
  });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true }),
  );
})();
