// Bundles every entry point with esbuild. Each bundle is self-contained CommonJS for Node 20.
import * as esbuild from "esbuild";
import { chmodSync } from "node:fs";

const entries = [
  { in: "runtime/index.ts", out: "dist/runtime.js" },
  { in: "runtime/cli/raya.ts", out: "dist/raya.js", executable: true },
  { in: "bench/bench.ts", out: "dist/bench.js", external: ["quickjs-emscripten"] },
  { in: "extension/extension.ts", out: "dist/extension.js", external: ["vscode"] },
  { in: "language-server/server.ts", out: "dist/languageServer.js" },
  { in: "debug-adapter/main.ts", out: "dist/debugAdapter.js" },
];

async function bundle(entry) {
  await esbuild.build({
    entryPoints: [entry.in],
    outfile: entry.out,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    sourcemap: true,
    external: entry.external ?? [],
    banner: entry.executable ? { js: "#!/usr/bin/env node" } : undefined,
    logLevel: "warning",
  });
  if (entry.executable) chmodSync(entry.out, 0o755);
}

await Promise.all(entries.map(bundle));
