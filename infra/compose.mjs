// Compose subgraph SDLs into a supergraph with @theguild/federation-composition.
// stdin:  {"subgraphs": [{"name": "org", "url": "http://...", "sdl": "..."}]}
// stdout: {"supergraphSdl": "...", "publicSdl": "..."} or {"errors": ["..."]} (exit 1)
import { composeServices } from "@theguild/federation-composition";
import { parse } from "graphql";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { subgraphs } = JSON.parse(Buffer.concat(chunks).toString("utf8"));

let result;
try {
  result = composeServices(
    subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })),
  );
} catch (err) {
  result = { errors: [err] };
}
if (result.errors && result.errors.length) {
  process.stdout.write(JSON.stringify({ errors: result.errors.map((e) => String(e.message ?? e)) }));
  process.exit(1);
}
process.stdout.write(
  JSON.stringify({ supergraphSdl: result.supergraphSdl, publicSdl: result.publicSdl }),
);
