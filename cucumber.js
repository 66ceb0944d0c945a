// Cucumber profiles. Run through npm scripts, which load TypeScript with
// NODE_OPTIONS="--import tsx" (cucumber's own loader option does not work with tsx). They also
// silence DEP0123: the connection feature checks an https:// endpoint on 127.0.0.1, and Node
// warns about TLS to an IP literal, which grpc-js sends as the server name.
//   default   embedded backend (our coordinator + the example handlers in-process)
//   container ANGZARR_BACKEND=container (coordinator and handler images via testcontainers)
//   external  ANGZARR_ENDPOINT=host:port of a coordinator someone already runs
const common = {
  paths: ["features/**/*.feature"],
  import: ["steps/**/*.ts"],
  formatOptions: { snippetInterface: "async-await" },
  strict: true,
};

function profile(name, extra = {}) {
  return {
    ...common,
    format: ["progress", `json:reports/cucumber-${name}.json`],
    ...extra,
  };
}

export default profile("default", { parallel: 2 });
// The backend kind comes from ANGZARR_BACKEND (set by the npm scripts); with ANGZARR_ENDPOINT
// set and no ANGZARR_BACKEND the external backend is used.
export const container = profile("container");
export const external = profile("external");
