// Validates Kubernetes manifests (multi-document YAML files) against the Kubernetes OpenAPI schemas that the
// npm package kubernetes-models ships (JSON Schema, checked with ajv): required fields, types, enums and
// formats, offline. An apiVersion/kind it does not know is an error. Unknown fields are not caught here
// (the schemas allow them); tests/PerfCluster.Tests/Deploy/ManifestSpecs.cs loads every document strictly.
// Usage: node scripts/k8s-schema-check.mjs TOOLS_DIR FILE...   (TOOLS_DIR: where lint-deploy.sh installed the packages)
import { createRequire } from "node:module";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [tools, ...files] = process.argv.slice(2);
const require = createRequire(join(tools, "node_modules", "noop.js"));
const YAML = require("yaml");
const models = join(tools, "node_modules", "kubernetes-models");

let failures = 0;
let checked = 0;
for (const file of files) {
  const docs = YAML.parseAllDocuments(readFileSync(file, "utf8"));
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      failures++;
      console.error(`${file}: YAML error: ${doc.errors[0].message}`);
      continue;
    }
    const object = doc.toJS();
    if (object === null || object === undefined) continue;
    const where = `${file}: ${object.kind ?? "?"}/${object.metadata?.name ?? "?"}`;
    if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") {
      failures++;
      console.error(`${where}: apiVersion and kind are required`);
      continue;
    }
    const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : [null, object.apiVersion];
    const module = group ? join(models, group, version, `${object.kind}.js`) : join(models, version, `${object.kind}.js`);
    if (!existsSync(module)) {
      failures++;
      console.error(`${where}: unknown apiVersion/kind ${object.apiVersion} ${object.kind}`);
      continue;
    }
    const Model = (await import(pathToFileURL(module).href))[object.kind];
    try {
      new Model(object).validate();
      checked++;
    } catch (e) {
      failures++;
      console.error(`${where}: ${e.message}`);
    }
  }
}
console.log(`schema check: ${checked} valid, ${failures} invalid`);
process.exit(failures === 0 && checked > 0 ? 0 : 1);
