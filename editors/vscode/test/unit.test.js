// Unit tests for the parts of the extension that do not need a running VS Code:
// which settings reach the server, which program is started, where the vault is.
// Run after `npm run compile` with `npm test` (node's built-in test runner); the
// `vscode` module is replaced by a small fake.
"use strict";
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { test, beforeEach } = require("node:test");
const Module = require("node:module");

// --- a fake `vscode` module ------------------------------------------------
const state = { user: {}, folder: {}, defaults: {}, pythonInterpreter: undefined };
const fakeVscode = {
  workspace: {
    getConfiguration(section) {
      assert.equal(section, "vaultkit");
      return {
        get(key, fallback) {
          for (const layer of [state.folder, state.user, state.defaults]) {
            if (key in layer) return layer[key];
          }
          return fallback;
        },
        inspect(key) {
          return {
            key: `vaultkit.${key}`,
            defaultValue: state.defaults[key],
            globalValue: state.user[key],
            workspaceFolderValue: state.folder[key],
          };
        },
      };
    },
  },
  extensions: {
    getExtension(id) {
      if (id !== "ms-python.python" || state.pythonInterpreter === undefined) return undefined;
      const api = {
        environments: {
          getActiveEnvironmentPath: () => ({ path: "env" }),
          resolveEnvironment: async () => ({ executable: { uri: { fsPath: state.pythonInterpreter } } }),
        },
      };
      return { isActive: true, exports: api, activate: async () => api };
    },
  },
};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === "vscode" ? "vscode" : resolve.call(this, request, ...rest);
};
require.cache.vscode = { id: "vscode", filename: "vscode", loaded: true, exports: fakeVscode };

const out = path.join(__dirname, "..", "out");
const { serverSettings, clientSettings } = require(path.join(out, "settings.js"));
const { resolveServerCommand, withSubcommand, findOnPath } = require(path.join(out, "serverCommand.js"));
const { findVaultRoot } = require(path.join(out, "vaultRoot.js"));

let savedPath;
beforeEach(() => {
  state.user = {};
  state.folder = {};
  state.defaults = { select: [], ignore: [], severity: {}, "exec.enabled": true, "exec.runOnSave": true };
  state.pythonInterpreter = undefined;
  if (savedPath === undefined) savedPath = process.env.PATH;
  process.env.PATH = savedPath;
});

// --- settings ---------------------------------------------------------------
test("defaults are never sent, so the vault's .vaultkit.toml keeps the last word", () => {
  assert.deepEqual(serverSettings(), {});
});

test("user settings are sent under the config file's keys", () => {
  state.user = { ignore: ["VK305"], severity: { VK101: "warning" }, "exec.timeout": 60, "exec.runOnSave": false };
  assert.deepEqual(serverSettings(), {
    ignore: ["VK305"],
    severity: { VK101: "warning" },
    exec: { timeout: 60, "run-on-save": false },
  });
});

test("a folder setting wins over the user setting", () => {
  state.user = { ignore: ["VK305"] };
  state.folder = { ignore: ["VK101"] };
  assert.deepEqual(serverSettings(), { ignore: ["VK101"] });
});

test("client-only settings never reach the server", () => {
  state.user = { "server.path": "/opt/vaultkit", "server.python": "/usr/bin/python3" };
  assert.deepEqual(serverSettings(), {});
  assert.deepEqual(clientSettings(), { serverPath: "/opt/vaultkit", serverPython: "/usr/bin/python3" });
});

// --- which program starts the server -------------------------------------------
function fakeExecutable(dir, name) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, "#!/bin/sh\n");
  fs.chmodSync(file, 0o755);
  return file;
}

test("vaultkit.server.path comes first", async () => {
  const cmd = await resolveServerCommand({ serverPath: "/opt/vk/vaultkit", serverPython: "/usr/bin/python3" });
  assert.deepEqual([cmd.command, ...cmd.args], ["/opt/vk/vaultkit", "lsp"]);
});

test("vaultkit.server.python runs the module", async () => {
  const cmd = await resolveServerCommand({ serverPath: "", serverPython: "/venv/bin/python" });
  assert.deepEqual([cmd.command, ...cmd.args], ["/venv/bin/python", "-m", "vaultkit", "lsp"]);
});

test("then vaultkit on PATH, then the Python extension's interpreter, then python3", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vk-path-"));
  process.env.PATH = dir;
  state.pythonInterpreter = "/home/me/.venv/bin/python";
  let cmd = await resolveServerCommand({ serverPath: "", serverPython: "" });
  assert.deepEqual([cmd.command, ...cmd.args], ["/home/me/.venv/bin/python", "-m", "vaultkit", "lsp"]);

  const onPath = fakeExecutable(dir, "vaultkit");
  assert.equal(findOnPath("vaultkit"), onPath);
  cmd = await resolveServerCommand({ serverPath: "", serverPython: "" });
  assert.deepEqual([cmd.command, ...cmd.args], [onPath, "lsp"]);

  fs.rmSync(onPath);
  state.pythonInterpreter = undefined;
  cmd = await resolveServerCommand({ serverPath: "", serverPython: "" });
  assert.deepEqual([cmd.command, ...cmd.args], ["python3", "-m", "vaultkit", "lsp"]);
});

test("a non-executable file named vaultkit on PATH is skipped", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vk-path-"));
  fs.writeFileSync(path.join(dir, "vaultkit"), "not a program");
  process.env.PATH = dir;
  assert.equal(findOnPath("vaultkit"), undefined);
});

test("the graph runs through the same program as the server", () => {
  const viaModule = { command: "/venv/bin/python", args: ["-m", "vaultkit", "lsp"], origin: "" };
  assert.deepEqual(withSubcommand(viaModule, ["graph", "/v", "--format", "html"]), {
    command: "/venv/bin/python",
    args: ["-m", "vaultkit", "graph", "/v", "--format", "html"],
  });
});

// --- vault root ---------------------------------------------------------------
test("the vault is the nearest folder above the note holding .obsidian or .vaultkit.toml", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "vk-vault-"));
  fs.mkdirSync(path.join(root, "repo", ".git"), { recursive: true });
  fs.mkdirSync(path.join(root, "repo", "notes", ".obsidian"), { recursive: true });
  fs.mkdirSync(path.join(root, "repo", "notes", "Deep", "er"), { recursive: true });
  fs.mkdirSync(path.join(root, "other"));
  fs.writeFileSync(path.join(root, "other", ".vaultkit.toml"), "");
  assert.equal(findVaultRoot(path.join(root, "repo", "notes", "Deep", "er")), path.join(root, "repo", "notes"));
  assert.equal(findVaultRoot(path.join(root, "other")), path.join(root, "other"));
  assert.equal(findVaultRoot(path.join(root, "repo")), undefined);
});
