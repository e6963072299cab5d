// vaultkit for VS Code: starts `vaultkit lsp` over stdio for Markdown notes
// and adds commands for the things an editor cannot do through plain LSP.
import * as path from "path";
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
} from "vscode-languageclient/node";
import { showGraph } from "./graph";
import { resolveServerCommand, ServerCommand } from "./serverCommand";
import { clientSettings, needsRestart, SECTION, serverSettings } from "./settings";
import { StatusBar } from "./statusBar";
import { findVaultRoot } from "./vaultRoot";

/** The server-side command (workspace/executeCommand) that runs a note's code blocks. */
const SERVER_RUN_CODE_BLOCKS = "vaultkit.runCodeBlocks";

// Client-side commands.  None may reuse a server command id: vscode-languageclient
// registers the server's commands under their own ids and would clash.
const CMD_RESTART = "vaultkit.restartServer";
const CMD_RUN_BLOCKS = "vaultkit.runNoteCodeBlocks";
const CMD_GRAPH = "vaultkit.openGraph";
const CMD_OUTPUT = "vaultkit.showOutput";

let client: LanguageClient | undefined;
let server: ServerCommand | undefined;
let output: vscode.OutputChannel;
let status: StatusBar;

function isNote(document: vscode.TextDocument | undefined): document is vscode.TextDocument {
  return document !== undefined && document.languageId === "markdown" && document.uri.scheme === "file";
}

/** The vault of the active note, else of the first workspace folder that is one. */
function currentVault(): string | undefined {
  const document = vscode.window.activeTextEditor?.document;
  if (isNote(document)) {
    const root = findVaultRoot(path.dirname(document.uri.fsPath));
    if (root) {
      return root;
    }
  }
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const root = findVaultRoot(folder.uri.fsPath);
    if (root) {
      return root;
    }
  }
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

async function startServer(): Promise<void> {
  const scope = vscode.workspace.workspaceFolders?.[0];
  server = await resolveServerCommand(clientSettings(scope), scope?.uri);
  output.appendLine(`Starting ${server.command} ${server.args.join(" ")} (${server.origin})`);
  const serverOptions: ServerOptions = {
    command: server.command,
    args: server.args,
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "markdown" }],
    outputChannel: output,
    initializationOptions: serverSettings(scope),
    synchronize: {
      // Makes the client send didChangeConfiguration; the middleware below
      // replaces the payload with the server's settings only.
      configurationSection: SECTION,
      fileEvents: vscode.workspace.createFileSystemWatcher(
        "**/{*.md,.vaultkit.toml,.obsidian/app.json}",
      ),
    },
    middleware: {
      workspace: {
        configuration: async (params, token, next) => {
          const answers = await next(params, token);
          if (!Array.isArray(answers)) {
            return answers;
          }
          return params.items.map((item, index) => {
            if (item.section !== SECTION && !item.section?.startsWith(`${SECTION}.`)) {
              return answers[index];
            }
            const scopeUri = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
            const settings = serverSettings(scopeUri);
            return item.section === SECTION ? settings : settings[item.section.slice(SECTION.length + 1)] ?? null;
          });
        },
        didChangeConfiguration: async () => {
          await client?.sendNotification(DidChangeConfigurationNotification.type, {
            settings: { [SECTION]: serverSettings(scope) },
          });
        },
      },
    },
  };
  const created = new LanguageClient("vaultkit", "vaultkit", serverOptions, clientOptions);
  client = created;
  created.onDidChangeState((event) => {
    if (event.newState === State.Running) {
      status.setState("running", server?.origin);
    } else if (event.newState === State.Starting) {
      status.setState("starting");
    } else {
      status.setState("stopped");
    }
  });
  status.setState("starting");
  try {
    await created.start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    status.setState("failed", message);
    output.appendLine(`vaultkit server failed to start: ${message}`);
    void vscode.window
      .showErrorMessage(
        `vaultkit: could not start "${server.command} ${server.args.join(" ")}". ` +
          "Install vaultkit (pip install vaultkit) or set vaultkit.server.path.",
        "Show Output",
      )
      .then((choice) => choice && output.show());
  }
}

async function stopServer(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.stop();
    } catch {
      // stopping a server that never started: nothing to clean up
    }
    await running.dispose();
  }
}

async function restartServer(): Promise<void> {
  await stopServer();
  await startServer();
}

async function runCodeBlocks(document: vscode.TextDocument | undefined): Promise<void> {
  if (!isNote(document)) {
    void vscode.window.showWarningMessage("vaultkit: open a Markdown note to run its code blocks.");
    return;
  }
  if (!client || !client.isRunning()) {
    void vscode.window.showWarningMessage("vaultkit: the server is not running.");
    return;
  }
  // The server runs the blocks and publishes their results as diagnostics.
  await client.sendRequest(ExecuteCommandRequest.type, {
    command: SERVER_RUN_CODE_BLOCKS,
    arguments: [document.uri.toString()],
  });
}

async function openGraph(): Promise<void> {
  const vault = currentVault();
  if (!vault) {
    void vscode.window.showWarningMessage("vaultkit: open a vault folder to see its graph.");
    return;
  }
  const scope = vscode.workspace.workspaceFolders?.[0];
  const command = server ?? (await resolveServerCommand(clientSettings(scope), scope?.uri));
  await showGraph(command, vault);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("vaultkit");
  status = new StatusBar(CMD_OUTPUT);
  status.setVault(currentVault());
  context.subscriptions.push(
    output,
    status,
    vscode.commands.registerCommand(CMD_RESTART, restartServer),
    vscode.commands.registerCommand(CMD_RUN_BLOCKS, () =>
      runCodeBlocks(vscode.window.activeTextEditor?.document),
    ),
    vscode.commands.registerCommand(CMD_GRAPH, openGraph),
    vscode.commands.registerCommand(CMD_OUTPUT, () => output.show()),
    vscode.window.onDidChangeActiveTextEditor(() => status.setVault(currentVault())),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (needsRestart(event)) {
        void restartServer();
      }
    }),
  );
  await startServer();
}

export async function deactivate(): Promise<void> {
  await stopServer();
}
