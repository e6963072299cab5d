-- The few Neovim APIs whose shape changed between 0.7 (Debian 12) and
-- current releases.  Everything else the plugin uses exists unchanged in both.
local M = {}

M.uv = vim.uv or vim.loop

local has_method_calls = vim.fn.has("nvim-0.11") == 1

--- client.request(...) on 0.7-0.10, client:request(...) from 0.11 on.
function M.request(client, method, params, handler, bufnr)
  if has_method_calls then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

--- Stop clients: vim.lsp.stop_client on 0.7-0.10, client:stop() from 0.11 on.
function M.stop(clients)
  if has_method_calls then
    for _, client in ipairs(clients) do
      client:stop()
    end
    return
  end
  local ids = {}
  for _, client in ipairs(clients) do
    table.insert(ids, client.id)
  end
  vim.lsp.stop_client(ids)
end

--- Clients named `name` (optionally attached to `bufnr`).
function M.clients(name, bufnr)
  if vim.lsp.get_clients then -- 0.10+
    return vim.lsp.get_clients({ name = name, bufnr = bufnr })
  end
  local found = {}
  for _, client in ipairs(vim.lsp.get_active_clients()) do
    if client.name == name and (bufnr == nil or vim.lsp.buf_is_attached(bufnr, client.id)) then
      table.insert(found, client)
    end
  end
  return found
end

--- Open a file or URL with the system's opener; false when there is none.
function M.open(path)
  if vim.ui.open then -- 0.10+
    local _, err = vim.ui.open(path)
    return err == nil
  end
  local opener
  if vim.fn.has("mac") == 1 then
    opener = { "open", path }
  elseif vim.fn.has("win32") == 1 then
    opener = { "cmd.exe", "/c", "start", "", path }
  elseif vim.fn.executable("xdg-open") == 1 then
    opener = { "xdg-open", path }
  end
  if not opener then
    return false
  end
  return vim.fn.jobstart(opener, { detach = true }) > 0
end

return M
