-- Headless end-to-end run against a real `vaultkit lsp`.  Opens a note, waits
-- for the server's diagnostics, applies the quick fix for a misspelt API name,
-- follows a wikilink with go-to-definition, and writes what happened as JSON
-- to $VAULTKIT_E2E_OUT for the Python test to assert on.
--   VAULTKIT_E2E_NOTE     note to open (absolute path)
--   VAULTKIT_E2E_TYPO     text of the misspelt API name to fix (e.g. nn.LTSM)
--   VAULTKIT_E2E_LINK     a wikilink target in the note (e.g. Torch Module)
--   VAULTKIT_E2E_TIMEOUT  milliseconds to wait for each step (default 60000)
local compat = require("vaultkit.compat")

local out_path = assert(vim.env.VAULTKIT_E2E_OUT, "VAULTKIT_E2E_OUT is not set")
local timeout = tonumber(vim.env.VAULTKIT_E2E_TIMEOUT or "") or 60000
local result = { nvim = vim.fn.execute("version"):match("NVIM v[^\n]+"), steps = {} }

-- Every publishDiagnostics as the server sent it, by URI.
local published = {}
local publish_count = 0
local default_publish = vim.lsp.handlers["textDocument/publishDiagnostics"]
vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, params, ctx, config)
  published[params.uri] = params.diagnostics
  publish_count = publish_count + 1
  return default_publish(err, params, ctx, config)
end

local function request_sync(client, method, params, bufnr)
  local response
  if vim.fn.has("nvim-0.11") == 1 then
    response = client:request_sync(method, params, timeout, bufnr)
  else
    response = client.request_sync(method, params, timeout, bufnr)
  end
  assert(response, method .. ": no response within " .. timeout .. " ms")
  assert(not response.err, method .. ": " .. vim.inspect(response.err))
  return response.result
end

local function find_line(bufnr, text)
  for index, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local col = line:find(text, 1, true)
    if col then
      return index - 1, col - 1, line
    end
  end
  error("text not found in the note: " .. text)
end

local function has_code(diagnostics, code)
  for _, d in ipairs(diagnostics or {}) do
    if d.code == code then
      return true
    end
  end
  return false
end

local function run()
  local note = assert(vim.env.VAULTKIT_E2E_NOTE, "VAULTKIT_E2E_NOTE is not set")
  vim.cmd("edit " .. vim.fn.fnameescape(note))
  local bufnr = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(bufnr)
  result.note = vim.api.nvim_buf_get_name(bufnr)
  result.filetype = vim.bo[bufnr].filetype

  -- 1. the plugin starts the server and attaches it, rooted at the vault
  local client
  assert(vim.wait(timeout, function()
    client = compat.clients("vaultkit", bufnr)[1]
    return client ~= nil
  end, 50), "no vaultkit client attached to the note")
  result.root_dir = client.config.root_dir
  table.insert(result.steps, "attached")

  -- 2. diagnostics: wait for the first set with a VK201, then for quiet
  local function gone()
    return vim.lsp.get_client_by_id(client.id) == nil
  end
  vim.wait(timeout, function()
    return has_code(published[uri], "VK201") or gone()
  end, 50)
  assert(not gone(), "the vaultkit server exited (see its log)")
  assert(has_code(published[uri], "VK201"), "no VK201 diagnostic published for the note")
  local seen = -1
  vim.wait(timeout, function()
    if seen == publish_count then
      return true
    end
    seen = publish_count
    return false
  end, 1500)
  result.diagnostics = {}
  for _, d in ipairs(published[uri]) do
    table.insert(result.diagnostics, {
      code = d.code,
      line = d.range.start.line,
      character = d.range.start.character,
      severity = d.severity,
      message = d.message,
    })
  end
  table.insert(result.steps, "diagnostics")

  -- 3. the quick fix for the misspelt API name
  local typo = vim.env.VAULTKIT_E2E_TYPO or "nn.LTSM"
  local line, col, before = find_line(bufnr, typo)
  result.fix_line = line
  result.line_before = before
  local context = {}
  for _, d in ipairs(published[uri]) do
    if d.range.start.line <= line and d.range["end"].line >= line then
      table.insert(context, d)
    end
  end
  local actions = request_sync(client, "textDocument/codeAction", {
    textDocument = { uri = uri },
    range = { start = { line = line, character = col }, ["end"] = { line = line, character = col + #typo } },
    context = { diagnostics = context, only = { "quickfix" } },
  }, bufnr) or {}
  result.action_titles = {}
  local chosen
  for _, action in ipairs(actions) do
    table.insert(result.action_titles, action.title)
    local for_vk201 = false
    for _, d in ipairs(action.diagnostics or {}) do
      for_vk201 = for_vk201 or d.code == "VK201"
    end
    if not chosen and (for_vk201 or action.title:find("Replace with", 1, true)) then
      chosen = action
    end
  end
  assert(chosen, "no VK201 quick fix among: " .. vim.inspect(result.action_titles))
  if not chosen.edit and not chosen.command and chosen.data then
    chosen = request_sync(client, "codeAction/resolve", chosen, bufnr)
  end
  result.applied_title = chosen.title
  if chosen.edit then
    vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding or "utf-16")
  end
  local command = type(chosen.command) == "table" and chosen.command
    or (type(chosen.command) == "string" and chosen)
    or nil
  if command then
    request_sync(client, "workspace/executeCommand", {
      command = command.command,
      arguments = command.arguments,
    }, bufnr)
  end
  result.line_after = vim.api.nvim_buf_get_lines(bufnr, line, line + 1, false)[1]
  table.insert(result.steps, "code action")

  -- 4. go-to-definition on a wikilink opens the target note
  local link = vim.env.VAULTKIT_E2E_LINK or "Torch Module"
  local link_line, link_col = find_line(bufnr, "[[" .. link)
  vim.api.nvim_win_set_cursor(0, { link_line + 1, link_col + 3 })
  result.definition_from = { line = link_line, character = link_col + 3 }
  vim.lsp.buf.definition()
  vim.wait(timeout, function()
    return vim.api.nvim_get_current_buf() ~= bufnr
  end, 50)
  result.definition_buffer = vim.api.nvim_buf_get_name(vim.api.nvim_get_current_buf())
  result.definition_cursor = vim.api.nvim_win_get_cursor(0)
  table.insert(result.steps, "definition")

  local vaultkit = require("vaultkit")
  vim.cmd("buffer " .. bufnr)

  -- 5. :VaultkitRunBlocks — the server answers, and its findings arrive as diagnostics
  local ran = false
  published[uri] = nil
  assert(vaultkit.run_blocks(bufnr, function(err, reply)
    result.run_blocks = { error = err and (err.message or vim.inspect(err)) or vim.NIL, reply = reply }
    ran = true
  end), "run_blocks found no server")
  assert(vim.wait(timeout, function()
    return ran
  end, 50), "no reply to vaultkit.runCodeBlocks")
  vim.wait(timeout, function()
    return published[uri] ~= nil
  end, 50)
  result.codes_after_run = {}
  for _, d in ipairs(published[uri] or {}) do
    table.insert(result.codes_after_run, d.code)
  end
  table.insert(result.steps, "run blocks")

  -- 6. :VaultkitGraph — the HTML page is written (open_graph = false: only its path)
  local graph_path, graph_error
  local graph_done = false
  vaultkit.graph(function(path, message)
    graph_path, graph_error, graph_done = path, message, true
  end)
  assert(vim.wait(timeout, function()
    return graph_done
  end, 50), "the graph command did not finish")
  assert(graph_path, "graph failed: " .. tostring(graph_error))
  local page = io.open(graph_path):read("*a")
  result.graph = { path = graph_path, size = #page, head = page:sub(1, 200) }
  table.insert(result.steps, "graph")

  -- 7. :VaultkitRestart — a new server process, attached again, diagnosing again
  local old_id = client.id
  published[uri] = nil
  vim.cmd("VaultkitRestart")
  local new_client
  vim.wait(timeout, function()
    new_client = compat.clients("vaultkit", bufnr)[1]
    return new_client ~= nil and new_client.id ~= old_id and has_code(published[uri], "VK201")
  end, 50)
  result.restart = {
    old_id = old_id,
    new_id = new_client and new_client.id or vim.NIL,
    old_alive = vim.lsp.get_client_by_id(old_id) ~= nil,
    diagnosed = has_code(published[uri], "VK201"),
  }
  table.insert(result.steps, "restart")
end

local ok, err = xpcall(run, debug.traceback)
result.ok = ok
if not ok then
  result.error = tostring(err)
end
local file = assert(io.open(out_path, "w"))
file:write(vim.fn.json_encode(result))
file:close()
vim.cmd("qall!")
