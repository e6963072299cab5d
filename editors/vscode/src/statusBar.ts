// The status bar item: the server's state and the vault of the active note.
import * as path from "path";
import * as vscode from "vscode";

export type ServerState = "starting" | "running" | "stopped" | "failed";

const ICONS: Record<ServerState, string> = {
  starting: "$(sync~spin)",
  running: "$(check)",
  stopped: "$(circle-slash)",
  failed: "$(error)",
};

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private state: ServerState = "stopped";
  private vault: string | undefined;
  private detail = "";

  constructor(clickCommand: string) {
    this.item = vscode.window.createStatusBarItem("vaultkit.status", vscode.StatusBarAlignment.Left, 10);
    this.item.name = "vaultkit";
    this.item.command = clickCommand;
    this.render();
    this.item.show();
  }

  setState(state: ServerState, detail = ""): void {
    this.state = state;
    this.detail = detail;
    this.render();
  }

  setVault(root: string | undefined): void {
    this.vault = root;
    this.render();
  }

  private render(): void {
    const vaultName = this.vault ? path.basename(this.vault) : "no vault";
    this.item.text = `${ICONS[this.state]} vaultkit: ${vaultName}`;
    const lines = [`vaultkit server: ${this.state}`];
    if (this.vault) {
      lines.push(`vault: ${this.vault}`);
    }
    if (this.detail) {
      lines.push(this.detail);
    }
    lines.push("Click to show the vaultkit output.");
    this.item.tooltip = lines.join("\n");
    this.item.backgroundColor =
      this.state === "failed" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
