-- vaultkit for Neovim: starts `vaultkit lsp` with the built-in LSP client for
-- Markdown buffers inside a vault and adds :VaultkitRunBlocks, :VaultkitGraph
-- and :VaultkitRestart.  Works on Neovim 0.7 (Debian 12) and current releases.
local compat = require("vaultkit.compat")
local root = require("vaultkit.root")

local M = {}

local NAME = "vaultkit"
-- The server-side command (workspace/executeCommand) that runs a note's code blocks.
local RUN_CODE_BLOCKS = "vaultkit.runCodeBlocks"

local defaults = {
  -- The server command; nil = `vaultkit lsp` when vaultkit is on PATH,
  -- otherwise `python3 -m vaultkit lsp`.
  cmd = nil,
  filetypes = { "markdown" },
  -- Marker groups, tried in order; see vaultkit.root.find.
  root_markers = { { ".obsidian", ".vaultkit.toml" }, { ".git" } },
  -- Server settings: the keys of .vaultkit.toml (select, ignore, exclude,
  -- severity = { VK101 = "warning" }, exec = { enabled = true, timeout = 30 }, ...).
  settings = {},
  -- nil: the server's default (run a note's code blocks when it is saved);
  -- true/false is sent as the server setting exec.run-on-save.
  run_on_save = nil,
  -- Open the graph page with the system opener (false: only print its path).
  open_graph = true,
  on_attach = nil,
  capabilities = nil,
}

M.options = vim.deepcopy(defaults)
-- Clients this plugin started on 0.7, by root (0.8+ lets vim.lsp.start track them).
local started = {}

local function notify(message, level)
  vim.notify("vaultkit: " .. message, level or vim.log.levels.INFO)
end

local function default_cmd()
  if vim.fn.executable("vaultkit") == 1 then
    return { "vaultkit", "lsp" }
  end
  return { vim.fn.has("win32") == 1 and "python" or "python3", "-m", "vaultkit", "lsp" }
end

--- The server command with `lsp` swapped for another subcommand's arguments.
local function cli_cmd(args)
  local cmd = vim.deepcopy(M.options.cmd)
  for i = #cmd, 1, -1 do
    if cmd[i] == "lsp" then
      while #cmd >= i do
        table.remove(cmd)
      end
      break
    end
  end
  vim.list_extend(cmd, args)
  return cmd
end

local function buf_root(bufnr)
  if vim.bo[bufnr].buftype ~= "" then
    return nil
  end
  return root.find(vim.api.nvim_buf_get_name(bufnr), M.options.root_markers)
end

local function client_config(root_dir)
  local opts = M.options
  -- An empty Lua table would go out as a JSON list; the server expects an object.
  local settings = next(opts.settings) and opts.settings or vim.empty_dict()
  return {
    name = NAME,
    cmd = opts.cmd,
    root_dir = root_dir,
    workspace_folders = {
      { uri = vim.uri_from_fname(root_dir), name = vim.fn.fnamemodify(root_dir, ":t") },
    },
    init_options = settings,
    -- Answers the server's workspace/configuration request for section "vaultkit".
    settings = { vaultkit = settings },
    capabilities = opts.capabilities,
    on_attach = opts.on_attach,
    flags = { debounce_text_changes = 150 },
  }
end

local function reuse(client, config)
  return client.name == config.name and client.config.root_dir == config.root_dir
end

--- Attach the vaultkit server to a buffer, starting one per vault as needed.
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local root_dir = buf_root(bufnr)
  if not root_dir then
    return nil
  end
  local config = client_config(root_dir)
  if vim.lsp.start then -- 0.8+
    return vim.lsp.start(config, { bufnr = bufnr, reuse_client = reuse })
  end
  local id = started[root_dir]
  if not id or not vim.lsp.get_client_by_id(id) then
    id = vim.lsp.start_client(config)
    started[root_dir] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

local function client_for(bufnr)
  return compat.clients(NAME, bufnr)[1]
end

--- Ask the server to run the code blocks of a note (the current buffer by default).
--- The results arrive as diagnostics; on_done(err, result) is called with the reply.
function M.run_blocks(bufnr, on_done)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local client = client_for(bufnr)
  if not client then
    notify("no vaultkit server is attached to this buffer", vim.log.levels.WARN)
    return false
  end
  local params = { command = RUN_CODE_BLOCKS, arguments = { vim.uri_from_bufnr(bufnr) } }
  compat.request(client, "workspace/executeCommand", params, function(err, result)
    if err then
      notify("running code blocks failed: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    end
    if on_done then
      on_done(err, result)
    end
  end, bufnr)
  return true
end

--- Write the vault graph as HTML to a temporary file and open it.
--- Calls on_done(path) or on_done(nil, message) when given.
function M.graph(on_done)
  local bufnr = vim.api.nvim_get_current_buf()
  local root_dir = buf_root(bufnr) or root.find(vim.fn.getcwd() .. "/.", M.options.root_markers)
  if not root_dir then
    notify("not inside a vault (no .obsidian, .vaultkit.toml or .git above this file)", vim.log.levels.WARN)
    return
  end
  local file = vim.fn.tempname() .. "-vault-graph.html"
  local stderr = {}
  local job = vim.fn.jobstart(cli_cmd({ "graph", root_dir, "--format", "html", "-o", file }), {
    cwd = root_dir,
    stderr_buffered = true,
    on_stderr = function(_, data)
      stderr = data or {}
    end,
    on_exit = function(_, code)
      if code ~= 0 then
        local message = vim.trim(table.concat(stderr, "\n"))
        notify("graph failed: " .. message, vim.log.levels.ERROR)
        if on_done then
          on_done(nil, message)
        end
        return
      end
      if not (M.options.open_graph and compat.open(file)) then
        notify("vault graph written to " .. file)
      end
      if on_done then
        on_done(file)
      end
    end,
  })
  if job <= 0 then
    notify("cannot run " .. M.options.cmd[1], vim.log.levels.ERROR)
  end
end

--- Stop the vaultkit servers and start them again for every open note.
-- Attach every loaded buffer of a configured filetype (after a restart, and for
-- buffers opened before setup() ran).
local function attach_loaded_buffers()
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr)
      and vim.tbl_contains(M.options.filetypes, vim.bo[bufnr].filetype)
    then
      M.attach(bufnr)
    end
  end
end

function M.restart()
  local clients = compat.clients(NAME)
  local ids = {}
  for _, client in ipairs(clients) do
    table.insert(ids, client.id)
  end
  if #ids > 0 then
    compat.stop(clients)
    vim.wait(5000, function()
      for _, id in ipairs(ids) do
        if vim.lsp.get_client_by_id(id) then
          return false
        end
      end
      return true
    end, 50)
  end
  started = {}
  attach_loaded_buffers()
end

function M.setup(opts)
  -- Options replace the defaults key by key (lists such as root_markers are
  -- replaced whole, not merged index by index).
  M.options = vim.deepcopy(defaults)
  for key, value in pairs(opts or {}) do
    M.options[key] = value
  end
  if M.options.cmd == nil then
    M.options.cmd = default_cmd()
  end
  M.options.settings = vim.deepcopy(M.options.settings or {})
  if M.options.run_on_save ~= nil then
    -- The server runs the blocks on didSave; the plugin never triggers a second run.
    M.options.settings.exec = M.options.settings.exec or {}
    M.options.settings.exec["run-on-save"] = M.options.run_on_save
  end

  local group = vim.api.nvim_create_augroup("vaultkit", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = M.options.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
  })

  vim.api.nvim_create_user_command("VaultkitRunBlocks", function()
    M.run_blocks(0)
  end, { desc = "vaultkit: run the code blocks of this note" })
  vim.api.nvim_create_user_command("VaultkitGraph", function()
    M.graph()
  end, { desc = "vaultkit: open the vault graph (HTML)" })
  vim.api.nvim_create_user_command("VaultkitRestart", function()
    M.restart()
  end, { desc = "vaultkit: restart the language server" })

  -- Buffers opened before setup() ran (e.g. `nvim note.md` with a lazy plugin manager).
  attach_loaded_buffers()
end

return M
