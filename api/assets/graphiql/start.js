// Starts GraphiQL against this server's /graphql. Everything the page loads comes from this
// server (see vendor.sh); `?query=...` opens the page with that query in the editor.
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var fetcher = GraphiQL.createFetcher({ url: window.location.origin + "/graphql" });
  var props = { fetcher: fetcher, defaultEditorToolsVisibility: true };
  if (params.get("query")) {
    props.query = params.get("query");
  }
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, props)
  );
})();
