// Finding the vault a note belongs to, the same way the Neovim plugin does:
// the nearest folder upwards holding `.obsidian` or `.vaultkit.toml`.
import * as fs from "fs";
import * as path from "path";

export const VAULT_MARKERS = [".obsidian", ".vaultkit.toml"] as const;

/** The nearest ancestor of `startDir` (itself included) holding a vault marker, or undefined. */
export function findVaultRoot(startDir: string): string | undefined {
  let dir = path.resolve(startDir);
  for (;;) {
    if (VAULT_MARKERS.some((marker) => fs.existsSync(path.join(dir, marker)))) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      return undefined;
    }
    dir = parent;
  }
}
