// Copy the browser builds of our npm dependencies into static/vendor/ (axe-core is not
// served: the journey tests inject it from node_modules/), which Django's
// staticfiles (and whitenoise) serve. Run by `make` after `npm ci`; static/vendor is git-ignored.
// Each minified build ends with a `sourceMappingURL` comment; its map is vendored beside it,
// because production's manifest storage (strict on purpose) refuses a reference to a
// missing file, and a map that is served makes the browser's stack traces readable.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "static", "vendor");
mkdirSync(target, { recursive: true });
const files = {
  "tus-js-client/dist/tus.min.js": "tus.min.js",
  "tus-js-client/dist/tus.min.js.map": "tus.min.js.map",
  "hls.js/dist/hls.min.js": "hls.min.js",
  "hls.js/dist/hls.min.js.map": "hls.min.js.map",
  "chart.js/dist/chart.umd.min.js": "chart.umd.min.js",
  "chart.js/dist/chart.umd.min.js.map": "chart.umd.min.js.map",
};
for (const [source, name] of Object.entries(files)) {
  copyFileSync(join(root, "node_modules", source), join(target, name));
}
console.log(`vendored ${Object.keys(files).length} files into static/vendor/`);
