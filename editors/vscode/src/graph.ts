// "vaultkit: Open Vault Graph": `vaultkit graph VAULT --format html -o FILE`,
// then the page is shown in a webview.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";
import { ServerCommand, withSubcommand } from "./serverCommand";

let panel: vscode.WebviewPanel | undefined;

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout: 120_000 }, (error, _stdout, stderr) => {
      if (error) {
        const detail = stderr.trim() || error.message;
        reject(new Error(detail));
      } else {
        resolve();
      }
    });
  });
}

export async function showGraph(server: ServerCommand, vaultRoot: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vaultkit-graph-"));
  const file = path.join(dir, "graph.html");
  const { command, args } = withSubcommand(server, ["graph", vaultRoot, "--format", "html", "-o", file]);
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: "vaultkit: building the vault graph" },
      () => run(command, args, vaultRoot),
    );
    const html = fs.readFileSync(file, "utf8");
    const title = `Vault graph: ${path.basename(vaultRoot)}`;
    if (!panel) {
      // The page is self-contained (inline script and data), so it needs
      // scripts but no access to local files.
      panel = vscode.window.createWebviewPanel("vaultkit.graph", title, vscode.ViewColumn.Beside, {
        enableScripts: true,
        localResourceRoots: [],
      });
      panel.onDidDispose(() => (panel = undefined));
    }
    panel.title = title;
    panel.webview.html = html;
    panel.reveal();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(`vaultkit graph failed: ${message}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
