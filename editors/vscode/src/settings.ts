// Reading the `vaultkit.*` settings.  Some are for the extension itself
// (how to start the server, run-on-save); the rest are the server's rule
// settings, which mirror the keys of `.vaultkit.toml`.
import * as vscode from "vscode";

export const SECTION = "vaultkit";

/** Settings the extension consumes itself; never forwarded to the server. */
export interface ClientSettings {
  serverPath: string;
  serverPython: string;
}

export function clientSettings(scope?: vscode.ConfigurationScope): ClientSettings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  return {
    serverPath: config.get<string>("server.path", "").trim(),
    serverPython: config.get<string>("server.python", "").trim(),
  };
}

// Setting key in VS Code -> path of the key in the server's settings object.
const SERVER_KEYS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ["select", ["select"]],
  ["ignore", ["ignore"]],
  ["exclude", ["exclude"]],
  ["severity", ["severity"]],
  ["exec.enabled", ["exec", "enabled"]],
  ["exec.timeout", ["exec", "timeout"]],
  // The server runs a note's blocks when it is saved (didSave); this turns that
  // on or off, so the client never triggers a second run itself.
  ["exec.runOnSave", ["exec", "run-on-save"]],
];

/**
 * The server's settings: only what the user set explicitly (user, workspace or
 * folder level).  Defaults are left out on purpose, so that a vault's
 * `.vaultkit.toml` is not overridden by the editor's built-in defaults.
 */
export function serverSettings(scope?: vscode.ConfigurationScope | null): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const settings: Record<string, unknown> = {};
  for (const [key, target] of SERVER_KEYS) {
    const inspected = config.inspect(key);
    const value =
      inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
    if (value === undefined) {
      continue;
    }
    let node = settings;
    for (const part of target.slice(0, -1)) {
      node = (node[part] ??= {}) as Record<string, unknown>;
    }
    node[target[target.length - 1]] = value;
  }
  return settings;
}

/** True when a change to these settings needs the server process restarted. */
export function needsRestart(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(`${SECTION}.server`);
}
