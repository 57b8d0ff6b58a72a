import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";

const SKIPPED = new Set(["node_modules", "dist", ".git", "coverage"]);

/**
 * A stable hash of a build context's files (names and bytes, in sorted order). It names the agent
 * image's tag: the repository's tags are IMMUTABLE, so a tag must change exactly when the image's
 * inputs do.
 */
export function hashDirectory(root: string): string {
  const hash = createHash("sha256");
  const walk = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      if (SKIPPED.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(path);
      } else if (entry.isFile()) {
        hash.update(relative(root, path).split(sep).join("/"));
        hash.update("\0");
        hash.update(readFileSync(path));
        hash.update("\0");
      }
    }
  };
  walk(root);
  return hash.digest("hex");
}
