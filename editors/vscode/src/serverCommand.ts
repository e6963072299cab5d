// Which program starts `vaultkit lsp`.  In order:
//   1. the `vaultkit.server.path` setting (a vaultkit executable);
//   2. the `vaultkit.server.python` setting, run as `python -m vaultkit`;
//   3. `vaultkit` found on PATH;
//   4. the interpreter selected in the Python extension, run with `-m vaultkit`;
//   5. `python3` (`python` on Windows) from PATH, run with `-m vaultkit`.
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { ClientSettings } from "./settings";

export interface ServerCommand {
  command: string;
  args: string[];
  /** Where the choice came from, shown in the output channel and status bar tooltip. */
  origin: string;
}

/** The shape of the part of the Python extension's API we use (ms-python.python). */
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    resolveEnvironment(
      env: { path: string },
    ): Promise<{ executable: { uri: vscode.Uri | undefined } } | undefined>;
  };
}

/** `name` looked up on PATH (with PATHEXT on Windows), or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = (env.PATH ?? env.Path ?? "").split(path.delimiter).filter(Boolean);
  const exts = process.platform === "win32" ? (env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";") : [""];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      try {
        if (fs.statSync(candidate).isFile()) {
          fs.accessSync(candidate, fs.constants.X_OK);
          return candidate;
        }
      } catch {
        // not here: keep looking
      }
    }
  }
  return undefined;
}

async function selectedPythonInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>("ms-python.python");
  if (!extension) {
    return undefined;
  }
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    const environments = api?.environments;
    if (!environments) {
      return undefined;
    }
    const resolved = await environments.resolveEnvironment(
      environments.getActiveEnvironmentPath(resource),
    );
    return resolved?.executable.uri?.fsPath;
  } catch {
    // An old or broken Python extension must not stop vaultkit from starting.
    return undefined;
  }
}

export async function resolveServerCommand(
  settings: ClientSettings,
  resource?: vscode.Uri,
): Promise<ServerCommand> {
  if (settings.serverPath) {
    return { command: settings.serverPath, args: ["lsp"], origin: "setting vaultkit.server.path" };
  }
  const moduleArgs = ["-m", "vaultkit", "lsp"];
  if (settings.serverPython) {
    return { command: settings.serverPython, args: moduleArgs, origin: "setting vaultkit.server.python" };
  }
  const onPath = findOnPath("vaultkit");
  if (onPath) {
    return { command: onPath, args: ["lsp"], origin: "vaultkit on PATH" };
  }
  const python = await selectedPythonInterpreter(resource);
  if (python) {
    return { command: python, args: moduleArgs, origin: "the Python extension's selected interpreter" };
  }
  const fallback = process.platform === "win32" ? "python" : "python3";
  return { command: fallback, args: moduleArgs, origin: `${fallback} on PATH` };
}

/** The same program, running another vaultkit subcommand (e.g. `graph`). */
export function withSubcommand(server: ServerCommand, args: string[]): { command: string; args: string[] } {
  const prefix = server.args.slice(0, server.args.length - 1); // drop "lsp"
  return { command: server.command, args: [...prefix, ...args] };
}
